import { ApiProperty } from '@nestjs/swagger';
import { EnumField, TextField, UuidField } from '../../common/api-fields';
import { PageMetaDto } from '../../common/api-envelope';
import { PageQueryDto } from '../../common/paging';

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export class CampaignFilterQueryDto {
  @UuidField({ optional: true })
  readonly organization_id?: string;

  @TextField({ optional: true, maxLength: 200, description: 'Case-insensitive substring of the name; % and _ are literal' })
  readonly search?: string;

  @EnumField(CAMPAIGN_STATUSES, { optional: true })
  readonly status?: CampaignStatus;
}

export class ListCampaignsQueryDto extends PageQueryDto {
  @UuidField({ optional: true })
  readonly organization_id?: string;

  @TextField({ optional: true, maxLength: 200, description: 'Case-insensitive substring of the name; % and _ are literal' })
  readonly search?: string;

  @EnumField(CAMPAIGN_STATUSES, { optional: true })
  readonly status?: CampaignStatus;
}

export class CreateCampaignDto {
  @UuidField()
  readonly organization_id!: string;

  @TextField({ minLength: 1, maxLength: 300 })
  readonly name!: string;

  @EnumField(CAMPAIGN_STATUSES, { optional: true, default: 'active' })
  readonly status?: CampaignStatus;

  @TextField({ optional: true, minLength: 1, maxLength: 100, description: 'Platform roles only (routes Instantly events)' })
  readonly instantly_campaign_id?: string;
}

export class UpdateCampaignDto {
  @TextField({ optional: true, minLength: 1, maxLength: 300 })
  readonly name?: string;

  @EnumField(CAMPAIGN_STATUSES, { optional: true })
  readonly status?: CampaignStatus;
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
