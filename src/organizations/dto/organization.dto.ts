import { ApiProperty } from '@nestjs/swagger';
import { EnumField, TextField } from '../../common/api-fields';
import { PageMetaDto } from '../../common/api-envelope';
import { PageQueryDto } from '../../common/paging';

export const AUTO_ASSIGN_STRATEGIES = ['round_robin', 'lead_score'] as const;
export const ORGANIZATION_STATUSES = ['active', 'inactive', 'suspended'] as const;

export class CreateOrganizationDto {
  @TextField({ minLength: 1, maxLength: 200, example: 'Acme GmbH' })
  readonly name!: string;

  @TextField({
    optional: true,
    nullable: true,
    minLength: 1,
    maxLength: 100,
    description: 'Platform roles only: the Instantly workspace id used to route webhooks',
  })
  readonly instantly_workspace_id?: string | null;

  @EnumField(AUTO_ASSIGN_STRATEGIES, { optional: true, nullable: true })
  readonly auto_assign_strategy?: (typeof AUTO_ASSIGN_STRATEGIES)[number] | null;
}

export class UpdateOrganizationDto {
  @TextField({ optional: true, minLength: 1, maxLength: 200 })
  readonly name?: string;

  @TextField({
    optional: true,
    nullable: true,
    minLength: 1,
    maxLength: 100,
    description: 'Platform roles only: routes Instantly events to this organization',
  })
  readonly instantly_workspace_id?: string | null;

  @EnumField(AUTO_ASSIGN_STRATEGIES, { optional: true, nullable: true })
  readonly auto_assign_strategy?: (typeof AUTO_ASSIGN_STRATEGIES)[number] | null;

  @EnumField(ORGANIZATION_STATUSES, { optional: true, description: 'Platform roles only' })
  readonly status?: (typeof ORGANIZATION_STATUSES)[number];
}

export class ListOrganizationsQueryDto extends PageQueryDto {
  @TextField({ optional: true, maxLength: 200, description: 'Case-insensitive substring of the name' })
  readonly search?: string;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty() readonly name!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Routes Instantly events here; set by platform roles' })
  readonly instantly_workspace_id!: string | null;
  @ApiProperty({ enum: [...AUTO_ASSIGN_STRATEGIES, null], nullable: true, type: String }) readonly auto_assign_strategy!:
    (typeof AUTO_ASSIGN_STRATEGIES)[number] | null;
  @ApiProperty({ enum: ORGANIZATION_STATUSES }) readonly status!: (typeof ORGANIZATION_STATUSES)[number];
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) readonly updated_at!: Date;
}

export class OrganizationPageDto extends PageMetaDto {
  @ApiProperty({ type: [OrganizationDto] }) readonly organizations!: OrganizationDto[];
}
