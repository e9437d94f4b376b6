import { ApiProperty } from '@nestjs/swagger';
import { EnumField, IntField } from '../common/api-fields';

export const ACTIVITY_KINDS = ['webhook', 'assignment', 'onboarding', 'admin_action', 'system'] as const;

export class RecentActivityQueryDto {
  @IntField({ optional: true, query: true, minimum: 1, maximum: 100, default: 20 })
  readonly limit: number = 20;

  @EnumField(ACTIVITY_KINDS, { optional: true })
  readonly kind?: (typeof ACTIVITY_KINDS)[number];
}

export class WebhookCountsDto {
  @ApiProperty() readonly last_24h!: number;
  @ApiProperty() readonly last_7d!: number;
  @ApiProperty() readonly failed!: number;
  @ApiProperty() readonly pending!: number;
}

export class AssignmentCountsDto {
  @ApiProperty() readonly campaign_assignments!: number;
  @ApiProperty() readonly contact_assignments!: number;
  @ApiProperty() readonly unassigned_contacts!: number;
}

export class LinkCountsDto {
  @ApiProperty() readonly active!: number;
  @ApiProperty() readonly expired!: number;
  @ApiProperty() readonly used!: number;
  @ApiProperty() readonly revoked!: number;
}

export class DashboardStatsDto {
  @ApiProperty() readonly organizations!: number;
  @ApiProperty() readonly users!: number;
  @ApiProperty() readonly campaigns!: number;
  @ApiProperty() readonly contacts!: number;
  @ApiProperty({ type: WebhookCountsDto }) readonly webhooks!: WebhookCountsDto;
  @ApiProperty({ type: AssignmentCountsDto }) readonly assignments!: AssignmentCountsDto;
  @ApiProperty({ type: LinkCountsDto }) readonly onboarding_links!: LinkCountsDto;
}

export class ActivityDto {
  @ApiProperty({ enum: ACTIVITY_KINDS }) readonly kind!: (typeof ACTIVITY_KINDS)[number];
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) readonly organization_id!: string | null;
  @ApiProperty({ description: 'The event type of a webhook, else the recorded action (e.g. assignment.campaigns)' })
  readonly action!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) readonly actor_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) readonly actor_role!: string | null;
  @ApiProperty() readonly item_count!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) readonly details!: Record<string, unknown>;
}

export class RecentActivityDto {
  @ApiProperty({ type: [ActivityDto] }) readonly activities!: ActivityDto[];
  @ApiProperty() readonly limit!: number;
}
