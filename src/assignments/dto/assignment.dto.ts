import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/paging';

export const CAMPAIGN_ASSIGNMENT_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export const ASSIGNMENT_TYPES = ['manual', 'round_robin', 'lead_score', 'territory'] as const;
export const AUTO_STRATEGIES = ['round_robin', 'lead_score'] as const;
export const MAX_IDS = 10_000;

const queryBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class AssignCampaignsDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: MAX_IDS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IDS)
  @IsUUID('all', { each: true })
  readonly campaign_ids!: string[];

  @ApiPropertyOptional({ enum: CAMPAIGN_ASSIGNMENT_ROLES, default: 'member' })
  @IsOptional()
  @IsIn(CAMPAIGN_ASSIGNMENT_ROLES)
  readonly role?: (typeof CAMPAIGN_ASSIGNMENT_ROLES)[number];

  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() readonly can_edit?: boolean;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() readonly can_view_stats?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() readonly can_manage_contacts?: boolean;
}

export class AssignContactsDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: MAX_IDS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IDS)
  @IsUUID('all', { each: true })
  readonly contact_ids!: string[];

  @ApiPropertyOptional({ enum: ASSIGNMENT_TYPES, default: 'manual' })
  @IsOptional()
  @IsIn(ASSIGNMENT_TYPES)
  readonly assignment_type?: (typeof ASSIGNMENT_TYPES)[number];
}

export class AutoAssignDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  readonly organization_id!: string;

  @ApiProperty({ enum: AUTO_STRATEGIES })
  @IsIn(AUTO_STRATEGIES)
  readonly strategy!: (typeof AUTO_STRATEGIES)[number];

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: MAX_IDS, description: 'Default: every unassigned contact of the organization' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IDS)
  @IsUUID('all', { each: true })
  readonly contact_ids?: string[];

  @ApiPropertyOptional({ default: true, description: 'Leave contacts that already have an active owner alone' })
  @IsOptional()
  @IsBoolean()
  readonly only_unassigned?: boolean;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Default for organization roles: their own organization' })
  @IsOptional()
  @IsUUID()
  readonly organization_id?: string;
}

export class ListContactsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() readonly organization_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() readonly campaign_id?: string;

  @ApiPropertyOptional({ description: 'Substring of email, name or company; % and _ are literal', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly search?: string;

  @ApiPropertyOptional({ description: 'true: only contacts with an active owner; false: only without' })
  @IsOptional()
  @Transform(queryBool)
  @IsBoolean()
  readonly assigned?: boolean;

  @ApiPropertyOptional({ minimum: -1000000, maximum: 1000000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  readonly min_lead_score?: number;
}
