import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WEBHOOK_SOURCES, WEBHOOK_STATUSES } from '../../webhooks/event-types';

type Source = (typeof WEBHOOK_SOURCES)[number];
type Status = (typeof WEBHOOK_STATUSES)[number];
const timestamp = (description?: string) => ({ type: String, format: 'date-time', description });
const nullableTimestamp = (description?: string) => ({ type: String, format: 'date-time', nullable: true, description });
const nullableString = (description?: string) => ({ type: String, nullable: true, description });
const nullableUuid = (description?: string) => ({ type: String, format: 'uuid', nullable: true, description });
const counts = (description: string) => ({ type: 'object', additionalProperties: { type: 'integer' }, description }) as const;

/** A log as the list shows it (no payload). */
export class WebhookLogDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty(nullableUuid('Null until processing mapped the event to an organization')) readonly organization_id!: string | null;
  @ApiProperty({ enum: WEBHOOK_SOURCES }) readonly event_source!: Source;
  @ApiProperty({ description: 'Canonical event type, e.g. email.opened' }) readonly event_type!: string;
  @ApiProperty(nullableString('The name the sender used, e.g. email_opened')) readonly raw_event_type!: string | null;
  @ApiProperty({ enum: WEBHOOK_STATUSES }) readonly status!: Status;
  @ApiProperty(nullableUuid()) readonly campaign_id!: string | null;
  @ApiProperty(nullableString()) readonly campaign_name!: string | null;
  @ApiProperty(nullableString()) readonly contact_email!: string | null;
  @ApiProperty(nullableString()) readonly error_message!: string | null;
  @ApiProperty({ minimum: 0 }) readonly retry_count!: number;
  @ApiProperty({ minimum: 0 }) readonly attempts!: number;
  @ApiProperty(timestamp()) readonly next_attempt_at!: Date;
  @ApiProperty(nullableTimestamp()) readonly last_retry_at!: Date | null;
  @ApiProperty(nullableTimestamp()) readonly processed_at!: Date | null;
  @ApiProperty(timestamp()) readonly created_at!: Date;
  @ApiProperty(nullableTimestamp('Set while a bulk retry by filter has queued the log and no worker has taken it yet'))
  readonly retry_queued_at!: Date | null;
}

export class WebhookLogPageDto {
  @ApiProperty({ type: [WebhookLogDto] }) readonly logs!: WebhookLogDto[];
  @ApiProperty({ minimum: 0, description: 'Exact up to 1,000 matches; then 1,000 and total_capped is true' }) readonly total!: number;
  @ApiProperty() readonly total_capped!: boolean;
  @ApiProperty({ minimum: 1 }) readonly limit!: number;
  @ApiProperty({ minimum: 0 }) readonly offset!: number;
  @ApiProperty({ description: 'Always exact' }) readonly has_more!: boolean;
  @ApiProperty(nullableString('Pass as cursor for the next page')) readonly next_cursor!: string | null;
}

export class AttemptDto {
  @ApiProperty() readonly attempt!: number;
  @ApiProperty(timestamp()) readonly at!: string;
  @ApiProperty({ enum: ['processed', 'skipped', 'error'] }) readonly outcome!: string;
  @ApiProperty(nullableString()) readonly message!: string | null;
}

/** One log with everything stored of it. */
export class WebhookLogDetailDto extends WebhookLogDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The body as received (U+0000 and lone surrogates replaced)' })
  readonly payload!: Record<string, unknown>;
  @ApiProperty(nullableString()) readonly workspace_id!: string | null;
  @ApiProperty(nullableString()) readonly instantly_campaign_id!: string | null;
  @ApiProperty(nullableUuid("Set when an organization's own credential received the event")) readonly credential_org_id!: string | null;
  @ApiProperty({ type: [AttemptDto] }) readonly attempt_history!: AttemptDto[];
  @ApiProperty(nullableString()) readonly organization_name!: string | null;
}

export class RetriedLogDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ enum: ['pending'] }) readonly status!: 'pending';
  @ApiProperty() readonly retry_count!: number;
  @ApiProperty(timestamp()) readonly last_retry_at!: Date;
}

export class BulkRetryReasonsDto {
  @ApiPropertyOptional({ description: 'By ids: no such log (or not visible)' }) readonly not_found?: number;
  @ApiPropertyOptional({ description: 'By ids: already pending or processing' }) readonly already_pending?: number;
  @ApiPropertyOptional({ description: 'By ids: processed, and force was not given' }) readonly processed_needs_force?: number;
  @ApiPropertyOptional({ description: 'By filter: already queued by an earlier bulk retry' }) readonly already_queued?: number;
}

/** The contract's flat bulk retry answer. */
export class BulkRetryResultDto {
  @ApiProperty({ enum: [true] }) readonly success!: true;
  @ApiProperty() readonly success_count!: number;
  @ApiProperty() readonly failed_count!: number;
  @ApiProperty() readonly message!: string;
  @ApiPropertyOptional({ description: 'Present (true) when nothing was changed' }) readonly dry_run?: boolean;
  @ApiPropertyOptional({
    type: BulkRetryReasonsDto,
    description: 'By ids: not_found, already_pending, processed_needs_force; by filter: already_queued',
  })
  readonly failed_reasons?: BulkRetryReasonsDto;
}

export class CleanupResultDto {
  @ApiProperty({ enum: [true] }) readonly success!: true;
  @ApiProperty() readonly deleted_count!: number;
}

export class StatsBucketDto {
  @ApiProperty(timestamp('Start of the hour or day, UTC')) readonly bucket!: string;
  @ApiProperty() readonly total!: number;
  @ApiProperty() readonly failed!: number;
}

export class WebhookStatsDto {
  @ApiProperty() readonly total!: number;
  @ApiProperty(counts('Logs per status')) readonly by_status!: Record<string, number>;
  @ApiProperty(counts('Logs per canonical event type')) readonly by_event_type!: Record<string, number>;
  @ApiProperty(counts('Logs per source')) readonly by_source!: Record<string, number>;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'failed / total, 4 decimals' }) readonly failure_rate!: number;
  @ApiProperty({ enum: ['hour', 'day'] }) readonly interval!: 'hour' | 'day';
  @ApiProperty(timestamp()) readonly buckets_from!: string;
  @ApiProperty({ type: [StatsBucketDto] }) readonly buckets!: StatsBucketDto[];
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Present when the answer was computed earlier (WEBHOOK_STATS_CACHE_SECONDS)',
  })
  readonly cached_at?: string;
}

/** One row of the JSON export. */
export class ExportedLogDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty(nullableUuid()) readonly organization_id!: string | null;
  @ApiProperty({ enum: WEBHOOK_SOURCES }) readonly event_source!: Source;
  @ApiProperty() readonly event_type!: string;
  @ApiProperty(nullableString()) readonly raw_event_type!: string | null;
  @ApiProperty({ enum: WEBHOOK_STATUSES }) readonly status!: Status;
  @ApiProperty(nullableUuid()) readonly campaign_id!: string | null;
  @ApiProperty(nullableString()) readonly campaign_name!: string | null;
  @ApiProperty(nullableString()) readonly contact_email!: string | null;
  @ApiProperty(nullableString()) readonly error_message!: string | null;
  @ApiProperty() readonly retry_count!: number;
  @ApiProperty() readonly attempts!: number;
  @ApiProperty(nullableTimestamp()) readonly last_retry_at!: string | null;
  @ApiProperty(nullableTimestamp()) readonly processed_at!: string | null;
  @ApiProperty(timestamp()) readonly created_at!: string;
}
