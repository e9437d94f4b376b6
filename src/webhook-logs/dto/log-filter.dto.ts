import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/paging';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { WEBHOOK_SOURCES, WEBHOOK_STATUSES } from '../../webhooks/event-types';

/** The ISO 8601 forms PostgreSQL reads as it is meant (week dates such as 2026-W05 pass IsISO8601 but are no timestamp). */
const CALENDAR_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** The list's filters; also used by export, stats and bulk retry by filter. */
export class WebhookLogFilterDto {
  @ApiPropertyOptional({ description: 'Canonical (email.opened) or Instantly native (email_opened) name', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly event_type?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_SOURCES })
  @IsOptional()
  @IsIn(WEBHOOK_SOURCES)
  readonly event_source?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_STATUSES })
  @IsOptional()
  @IsIn(WEBHOOK_STATUSES)
  readonly status?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  readonly campaign_id?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  readonly organization_id?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; inclusive lower bound on created_at', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(CALENDAR_DATE_TIME, { message: 'date_from must be a calendar date, optionally with a time (YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM])' })
  readonly date_from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; inclusive upper bound (a bare date includes that whole day)', example: '2026-11-30' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(CALENDAR_DATE_TIME, { message: 'date_to must be a calendar date, optionally with a time (YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM])' })
  readonly date_to?: string;

  @ApiPropertyOptional({ description: 'Exact contact email (case-insensitive); served by an index, the fast way to find one lead', maxLength: 320 })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  readonly contact_email?: string;

  @ApiPropertyOptional({ description: 'Substring of contact email, campaign name or error text; % and _ are literal. Under row-level security PostgreSQL cannot use the trigram index for ILIKE (not a leakproof operator), so on very large tables prefer contact_email or narrow by date', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly search?: string;
}

/** Filters plus limit (1..500, default 50) and offset; offset is ignored when cursor is given. */
export class ListWebhookLogsQueryDto extends IntersectionType(WebhookLogFilterDto, PageQueryDto) {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page: stable paging while new events arrive', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly cursor?: string;
}

export class ExportWebhookLogsQueryDto extends WebhookLogFilterDto {
  @ApiPropertyOptional({ enum: ['csv', 'json'], default: 'csv' })
  @IsOptional()
  @IsIn(['csv', 'json'])
  readonly format: 'csv' | 'json' = 'csv';
}

export class WebhookStatsQueryDto extends WebhookLogFilterDto {
  @ApiPropertyOptional({ enum: ['hour', 'day'], default: 'day', description: 'Bucket size; buckets cover date_from..date_to, by default the last 7 days (hour) or 30 days (day)' })
  @IsOptional()
  @IsIn(['hour', 'day'])
  readonly interval: 'hour' | 'day' = 'day';
}

export class RetryLogDto {
  @ApiPropertyOptional({ default: false, description: 'Re-run a log that was already processed' })
  @IsOptional()
  @IsBoolean()
  readonly force?: boolean;
}

export class BulkRetryDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid', minItems: 1, maxItems: 10000 })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10000)
  @IsUUID('all', { each: true })
  readonly log_ids?: string[];

  @ApiPropertyOptional({ type: WebhookLogFilterDto, description: 'Retry every log matching the list filter (instead of log_ids)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookLogFilterDto)
  readonly filter?: WebhookLogFilterDto;

  @ApiPropertyOptional({ default: false, description: 'Also re-run processed logs' })
  @IsOptional()
  @IsBoolean()
  readonly force?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Only count what would be retried' })
  @IsOptional()
  @IsBoolean()
  readonly dry_run?: boolean;
}

export class CleanupQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 3650, default: 30 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  readonly older_than_days: number = 30;

  @ApiPropertyOptional({ enum: WEBHOOK_STATUSES, description: 'Default: processed, failed and skipped (never in-flight logs)' })
  @IsOptional()
  @IsIn(WEBHOOK_STATUSES)
  readonly status?: string;
}

export { toBool };
