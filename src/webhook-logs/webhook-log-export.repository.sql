-- The statements of src/webhook-logs/webhook-log-export.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- WebhookLogExportRepository.exportCursor
SELECT set_config('enable_sort', 'off', true), set_config('jit', 'off', true);

SET LOCAL statement_timeout TO '1h';

SELECT id, event_type, event_source, campaign_name, contact_email, status, error_message,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at FROM webhook_log WHERE ($1::text IS NULL OR event_type = $2)
AND ($3::text IS NULL OR event_source = $4)
AND ($5::text IS NULL OR status = $6)
AND ($7::uuid IS NULL OR campaign_id = $8)
AND ($9::uuid IS NULL OR organization_id = $10)
AND ($11::timestamptz IS NULL OR created_at >= $12)
AND ($13::timestamptz IS NULL OR created_at < $14)
AND ($15::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $16 ESCAPE '\')
AND ($17::text IS NULL OR contact_email = $18)
AND ($19::uuid[] IS NULL OR id = ANY($20)) ORDER BY webhook_log.created_at DESC, webhook_log.id DESC;

-- WebhookLogExportRepository.exportCursor (2)
SET LOCAL statement_timeout TO '1h';

SELECT id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name, contact_email,
        error_message, retry_count, attempts,
        to_char(last_retry_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_retry_at,
        to_char(processed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS processed_at,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at FROM webhook_log WHERE ($1::text IS NULL OR event_type = $2)
AND ($3::text IS NULL OR event_source = $4)
AND ($5::text IS NULL OR status = $6)
AND ($7::uuid IS NULL OR campaign_id = $8)
AND ($9::uuid IS NULL OR organization_id = $10)
AND ($11::timestamptz IS NULL OR created_at >= $12)
AND ($13::timestamptz IS NULL OR created_at < $14)
AND ($15::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $16 ESCAPE '\')
AND ($17::text IS NULL OR contact_email = $18)
AND ($19::uuid[] IS NULL OR id = ANY($20)) ORDER BY webhook_log.created_at DESC, webhook_log.id DESC;
