import { IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import {
  DateTimeField,
  EnumField,
  ExactlyOneOf,
  IntField,
  ObjectField,
  TextField,
  UuidArrayField,
  UuidField,
  BoolField,
} from '../../common/api-fields';
import { PageQueryDto } from '../../common/paging';
import { WEBHOOK_SOURCES, WEBHOOK_STATUSES } from '../../webhooks/event-types';

/** The pattern of a list cursor: the microseconds of the last row's created_at, and its id. */
export const CURSOR_PATTERN = '^\\d{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** The list's filters; also used by export, stats and bulk retry by filter. */
export class WebhookLogFilterDto {
  @TextField({ optional: true, maxLength: 200, description: 'Canonical (email.opened) or Instantly native (email_opened) name' })
  readonly event_type?: string;

  @EnumField(WEBHOOK_SOURCES, { optional: true })
  readonly event_source?: string;

  @EnumField(WEBHOOK_STATUSES, { optional: true })
  readonly status?: string;

  @UuidField({ optional: true })
  readonly campaign_id?: string;

  @UuidField({ optional: true })
  readonly organization_id?: string;

  @DateTimeField({ optional: true, description: 'ISO 8601; inclusive lower bound on created_at', example: '2026-11-01T00:00:00Z' })
  readonly date_from?: string;

  @DateTimeField({
    optional: true,
    description: 'ISO 8601; inclusive upper bound (a bare date includes that whole day)',
    example: '2026-11-30',
  })
  readonly date_to?: string;

  @TextField({
    optional: true,
    maxLength: 320,
    description: 'Exact contact email (case-insensitive); served by an index, the fast way to find one lead',
  })
  readonly contact_email?: string;

  @TextField({
    optional: true,
    maxLength: 200,
    description:
      'Substring of contact email, campaign name or error text (case-insensitive; % and _ are literal). A term with three or more ' +
      'letters or digits in a row is served by the trigram index; a shorter one is checked on the rows the other filters leave, ' +
      'so narrow it with a date range, a status or a contact_email on large logs',
  })
  readonly search?: string;
}

/** Filters plus limit (1..500, default 50) and offset; offset is ignored when cursor is given. */
export class ListWebhookLogsQueryDto extends IntersectionType(WebhookLogFilterDto, PageQueryDto) {
  @TextField({
    optional: true,
    maxLength: 60,
    pattern: CURSOR_PATTERN,
    description: 'next_cursor of the previous page: stable paging while new events arrive',
  })
  readonly cursor?: string;
}

export class ExportWebhookLogsQueryDto extends WebhookLogFilterDto {
  @EnumField(['csv', 'json'], { optional: true, default: 'csv' })
  readonly format: 'csv' | 'json' = 'csv';
}

export class WebhookStatsQueryDto extends WebhookLogFilterDto {
  @EnumField(['hour', 'day'], {
    optional: true,
    default: 'day',
    description: 'Bucket size; buckets cover date_from..date_to, by default the last 7 days (hour) or 30 days (day)',
  })
  readonly interval: 'hour' | 'day' = 'day';
}

export class RetryLogDto {
  @BoolField({ optional: true, default: false, description: 'Re-run a log that was already processed' })
  readonly force?: boolean;
}

@ExactlyOneOf(['log_ids', 'filter'])
export class BulkRetryDto {
  @UuidArrayField({ optional: true, minItems: 1, maxItems: 10000 })
  readonly log_ids?: string[];

  @ObjectField(WebhookLogFilterDto, { optional: true, description: 'Retry every log matching the list filter (instead of log_ids)' })
  @ValidateNested()
  @Type(() => WebhookLogFilterDto)
  readonly filter?: WebhookLogFilterDto;

  @BoolField({ optional: true, default: false, description: 'Also re-run processed logs' })
  readonly force?: boolean;

  @BoolField({ optional: true, default: false, description: 'Only count what would be retried' })
  readonly dry_run?: boolean;
}

export class CleanupQueryDto {
  @IntField({ optional: true, query: true, minimum: 1, maximum: 3650, default: 30 })
  readonly older_than_days: number = 30;

  @EnumField(WEBHOOK_STATUSES, { optional: true, description: 'Default: processed, failed and skipped (never in-flight logs)' })
  readonly status?: string;
}
