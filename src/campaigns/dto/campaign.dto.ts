import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageMetaDto } from '../../common/api-envelope';
import { PageQueryDto } from '../../common/paging';

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export class CampaignFilterQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  readonly organization_id?: string;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name; % and _ are literal', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly search?: string;

  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  readonly status?: CampaignStatus;
}

export class ListCampaignsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  readonly organization_id?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly search?: string;

  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  readonly status?: CampaignStatus;
}

export class CreateCampaignDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  readonly organization_id!: string;

  @ApiProperty({ maxLength: 300 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  readonly name!: string;

  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  readonly status?: CampaignStatus;

  @ApiPropertyOptional({ maxLength: 100, description: 'Platform roles only (routes Instantly events)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly instantly_campaign_id?: string;
}

export class CampaignOptionDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty() readonly name!: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) readonly status!: CampaignStatus;
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
}

export class CampaignDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty() readonly name!: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) readonly status!: CampaignStatus;
  @ApiProperty({ type: String, nullable: true }) readonly instantly_campaign_id!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) readonly updated_at!: Date;
}

export class CampaignPageDto extends PageMetaDto {
  @ApiProperty({ type: [CampaignDto] }) readonly campaigns!: CampaignDto[];
}
