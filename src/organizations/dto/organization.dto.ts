import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { PageMetaDto } from '../../common/api-envelope';
import { PageQueryDto } from '../../common/paging';

export const AUTO_ASSIGN_STRATEGIES = ['round_robin', 'lead_score'] as const;
export const ORGANIZATION_STATUSES = ['active', 'inactive', 'suspended'] as const;

export class CreateOrganizationDto {
  @ApiProperty({ maxLength: 200, example: 'Acme GmbH' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly name!: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Instantly workspace id used to route webhooks', nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly instantly_workspace_id?: string | null;

  @ApiPropertyOptional({ enum: AUTO_ASSIGN_STRATEGIES, nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsIn(AUTO_ASSIGN_STRATEGIES)
  readonly auto_assign_strategy?: (typeof AUTO_ASSIGN_STRATEGIES)[number] | null;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly name?: string;

  @ApiPropertyOptional({ maxLength: 100, nullable: true, description: 'Platform roles only: routes Instantly events to this organization' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly instantly_workspace_id?: string | null;

  @ApiPropertyOptional({ enum: AUTO_ASSIGN_STRATEGIES, nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsIn(AUTO_ASSIGN_STRATEGIES)
  readonly auto_assign_strategy?: (typeof AUTO_ASSIGN_STRATEGIES)[number] | null;

  @ApiPropertyOptional({ enum: ORGANIZATION_STATUSES, description: 'Platform roles only' })
  @IsOptional()
  @IsIn(ORGANIZATION_STATUSES)
  readonly status?: (typeof ORGANIZATION_STATUSES)[number];
}

export class ListOrganizationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly search?: string;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty() readonly name!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Routes Instantly events here; set by platform roles' })
  readonly instantly_workspace_id!: string | null;
  @ApiProperty({ enum: [...AUTO_ASSIGN_STRATEGIES, null], nullable: true, type: String }) readonly auto_assign_strategy!: (typeof AUTO_ASSIGN_STRATEGIES)[number] | null;
  @ApiProperty({ enum: ORGANIZATION_STATUSES }) readonly status!: (typeof ORGANIZATION_STATUSES)[number];
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) readonly updated_at!: Date;
}

export class OrganizationPageDto extends PageMetaDto {
  @ApiProperty({ type: [OrganizationDto] }) readonly organizations!: OrganizationDto[];
}
