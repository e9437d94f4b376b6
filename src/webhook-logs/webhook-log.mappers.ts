import type { RetriedLogDto, WebhookLogDetailDto, WebhookLogDto } from './dto/webhook-log.response.dto';
import type { RetriedLogRow } from './webhook-log-retry.repository';
import type { LogDetailRow, LogRow } from './webhook-log.repository';

/** The rows the webhook log's repositories read, as the API answers them. */

export function toWebhookLogDto(r: Omit<LogRow, 'cursor_ts'>): WebhookLogDto {
  return {
    id: r.id,
    organization_id: r.organization_id,
    event_source: r.event_source,
    event_type: r.event_type,
    raw_event_type: r.raw_event_type,
    status: r.status,
    campaign_id: r.campaign_id,
    campaign_name: r.campaign_name,
    contact_email: r.contact_email,
    error_message: r.error_message,
    retry_count: r.retry_count,
    attempts: r.attempts,
    next_attempt_at: r.next_attempt_at,
    last_retry_at: r.last_retry_at,
    processed_at: r.processed_at,
    created_at: r.created_at,
    retry_queued_at: r.retry_queued_at,
  };
}

/** Everything stored of the log but its dedup key and lease. */
export function toWebhookLogDetailDto(r: LogDetailRow): WebhookLogDetailDto {
  return {
    ...toWebhookLogDto(r),
    payload: r.payload,
    workspace_id: r.workspace_id,
    instantly_campaign_id: r.instantly_campaign_id,
    credential_org_id: r.credential_org_id,
    attempt_history: r.attempt_history.map((a) => ({ attempt: a.attempt, at: a.at, outcome: a.outcome, message: a.message })),
    organization_name: r.organization_name,
  };
}

export function toRetriedLogDto(r: RetriedLogRow): RetriedLogDto {
  return { id: r.id, status: r.status, retry_count: r.retry_count, last_retry_at: r.last_retry_at };
}
