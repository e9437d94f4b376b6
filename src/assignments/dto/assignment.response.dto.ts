import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageMetaDto } from '../../common/api-envelope';
import { UserDto } from '../../users/dto/create-user.dto';
import { ASSIGNMENT_TYPES, AUTO_STRATEGIES, CAMPAIGN_ASSIGNMENT_ROLES } from './assignment.dto';

const nullableString = { type: String, nullable: true } as const;
const nullableUuid = { type: String, format: 'uuid', nullable: true } as const;
const timestamp = { type: String, format: 'date-time' } as const;
const nullableTimestamp = { type: String, format: 'date-time', nullable: true } as const;

export class ContactOwnerDto {
  @ApiProperty({ format: 'uuid' }) readonly user_id!: string;
  @ApiProperty() readonly email!: string;
  @ApiProperty(nullableString) readonly first_name!: string | null;
  @ApiProperty(nullableString) readonly last_name!: string | null;
  @ApiProperty({ enum: ASSIGNMENT_TYPES }) readonly assignment_type!: string;
  @ApiProperty(timestamp) readonly assigned_at!: string;
}

export class ContactDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty() readonly email!: string;
  @ApiProperty(nullableString) readonly first_name!: string | null;
  @ApiProperty(nullableString) readonly last_name!: string | null;
  @ApiProperty(nullableString) readonly company!: string | null;
  @ApiProperty(nullableUuid) readonly campaign_id!: string | null;
  @ApiProperty() readonly lead_score!: number;
  @ApiProperty(nullableString) readonly lead_status!: string | null;
  @ApiProperty() readonly emails_sent!: number;
  @ApiProperty() readonly opens!: number;
  @ApiProperty() readonly clicks!: number;
  @ApiProperty() readonly replies!: number;
  @ApiProperty() readonly bounced!: boolean;
  @ApiProperty() readonly unsubscribed!: boolean;
  @ApiProperty(nullableTimestamp) readonly last_event_at!: Date | null;
  @ApiProperty(timestamp) readonly created_at!: Date;
  @ApiProperty({ type: ContactOwnerDto, nullable: true, description: 'The active owner, if any' }) readonly owner!: ContactOwnerDto | null;
}

export class ContactPageDto extends PageMetaDto {
  @ApiProperty({ type: [ContactDto] }) readonly contacts!: ContactDto[];
}

export class UserWithCountsDto extends UserDto {
  @ApiProperty({ description: 'Active campaign assignments' }) readonly campaigns_count!: number;
  @ApiProperty({ description: 'Active contact assignments' }) readonly contacts_count!: number;
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserWithCountsDto] }) readonly users!: UserWithCountsDto[];
}

export class CampaignAssignmentDto {
  @ApiProperty({ format: 'uuid' }) readonly assignment_id!: string;
  @ApiProperty({ format: 'uuid' }) readonly campaign_id!: string;
  @ApiProperty() readonly campaign_name!: string;
  @ApiProperty({ enum: ['draft', 'active', 'paused', 'completed', 'archived'] }) readonly campaign_status!: string;
  @ApiProperty({ enum: CAMPAIGN_ASSIGNMENT_ROLES }) readonly role!: string;
  @ApiProperty() readonly can_edit!: boolean;
  @ApiProperty() readonly can_view_stats!: boolean;
  @ApiProperty() readonly can_manage_contacts!: boolean;
  @ApiProperty(nullableUuid) readonly assigned_by!: string | null;
  @ApiProperty(timestamp) readonly assigned_at!: Date;
}

export class ContactAssignmentDto {
  @ApiProperty({ format: 'uuid' }) readonly assignment_id!: string;
  @ApiProperty({ format: 'uuid' }) readonly contact_id!: string;
  @ApiProperty() readonly contact_email!: string;
  @ApiProperty(nullableString) readonly first_name!: string | null;
  @ApiProperty(nullableString) readonly last_name!: string | null;
  @ApiProperty(nullableString) readonly company!: string | null;
  @ApiProperty() readonly lead_score!: number;
  @ApiProperty({ enum: ASSIGNMENT_TYPES }) readonly assignment_type!: string;
  @ApiProperty() readonly is_primary_owner!: boolean;
  @ApiProperty(nullableTimestamp) readonly last_contacted_at!: Date | null;
  @ApiProperty(nullableTimestamp) readonly next_followup_at!: Date | null;
  @ApiProperty() readonly interactions_count!: number;
  @ApiProperty(nullableUuid) readonly assigned_by!: string | null;
  @ApiProperty(timestamp) readonly assigned_at!: Date;
}

export class UserAssignmentsDto {
  @ApiProperty({ type: [CampaignAssignmentDto] }) readonly campaigns!: CampaignAssignmentDto[];
  @ApiProperty({ type: [ContactAssignmentDto] }) readonly contacts!: ContactAssignmentDto[];
  @ApiProperty() readonly campaigns_count!: number;
  @ApiProperty() readonly contacts_count!: number;
}

export class FailedItemDto {
  @ApiProperty({ description: 'The id as sent' }) readonly id!: string;
  @ApiProperty({ example: 'campaign belongs to another organization' }) readonly reason!: string;
}

/** The contract's flat answer of the assignment writes. */
export class AssignResultDto {
  @ApiProperty({ enum: [true] }) readonly success!: true;
  @ApiProperty() readonly success_count!: number;
  @ApiProperty() readonly failed_count!: number;
  @ApiProperty({ type: [FailedItemDto] }) readonly failed_items!: FailedItemDto[];
}

export class AutoAssignmentDto {
  @ApiProperty({ format: 'uuid' }) readonly contact_id!: string;
  @ApiProperty({ format: 'uuid' }) readonly user_id!: string;
}

export class AutoAssignResultDto {
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty({ enum: AUTO_STRATEGIES }) readonly strategy!: (typeof AUTO_STRATEGIES)[number];
  @ApiProperty() readonly assigned_count!: number;
  @ApiProperty({ description: 'Already owned (only_unassigned)' }) readonly skipped_count!: number;
  @ApiProperty() readonly failed_count!: number;
  @ApiProperty({ type: [FailedItemDto] }) readonly failed_items!: FailedItemDto[];
  @ApiProperty({ description: 'Active owners, admins and members the contacts were spread over' }) readonly eligible_users!: number;
  @ApiProperty({ type: [AutoAssignmentDto] }) readonly assignments!: AutoAssignmentDto[];
  @ApiPropertyOptional({ description: 'Present when there was nobody to assign to' }) readonly message?: string;
}
