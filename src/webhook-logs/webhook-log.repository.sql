-- The statements of src/webhook-logs/webhook-log.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- WebhookLogRepository.countUpTo
SELECT set_config('enable_bitmapscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true),
set_config('jit', 'off', true), set_config('enable_sort', 'off', true);

SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log WHERE ($1::text IS NULL OR event_type = $2)
AND ($3::text IS NULL OR event_source = $4)
AND ($5::text IS NULL OR status = $6)
AND ($7::uuid IS NULL OR campaign_id = $8)
AND ($9::uuid IS NULL OR organization_id = $10)
AND ($11::timestamptz IS NULL OR created_at >= $12)
AND ($13::timestamptz IS NULL OR created_at < $14)
AND ($15::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $16 ESCAPE '\')
AND ($17::text IS NULL OR contact_email = $18)
AND ($19::uuid[] IS NULL OR id = ANY($20)) ORDER BY created_at DESC, id DESC LIMIT $21) s;

SELECT set_config(name, reset_val, true) FROM pg_settings
WHERE name IN ('enable_bitmapscan', 'max_parallel_workers_per_gather', 'enable_sort', 'jit');

-- WebhookLogRepository.countUpTo (2)
SELECT set_config('enable_bitmapscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true),
set_config('jit', 'off', true);

SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log WHERE ($1::text IS NULL OR event_type = $2)
AND ($3::text IS NULL OR event_source = $4)
AND ($5::text IS NULL OR status = $6)
AND ($7::uuid IS NULL OR campaign_id = $8)
AND ($9::uuid IS NULL OR organization_id = $10)
AND ($11::timestamptz IS NULL OR created_at >= $12)
AND ($13::timestamptz IS NULL OR created_at < $14)
AND ($15::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $16 ESCAPE '\')
AND ($17::text IS NULL OR contact_email = $18)
AND ($19::uuid[] IS NULL OR id = ANY($20)) ORDER BY created_at DESC, id DESC LIMIT $21) s;

SELECT set_config(name, reset_val, true) FROM pg_settings
WHERE name IN ('enable_bitmapscan', 'max_parallel_workers_per_gather', 'enable_sort', 'jit');

-- WebhookLogRepository.detail
SELECT webhook_log.*, o.name AS organization_name, (SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at
FROM webhook_log LEFT JOIN organization o ON o.id = webhook_log.organization_id WHERE webhook_log.id = $1;

-- WebhookLogRepository.limitStatementTime
SELECT set_config('statement_timeout', $1, true);

-- WebhookLogRepository.page
SELECT id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at, (SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at, to_char((created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts FROM webhook_log
         WHERE ($1::text IS NULL OR event_type = $2)
  AND ($3::text IS NULL OR event_source = $4)
  AND ($5::text IS NULL OR status = $6)
  AND ($7::uuid IS NULL OR campaign_id = $8)
  AND ($9::uuid IS NULL OR organization_id = $10)
  AND ($11::timestamptz IS NULL OR created_at >= $12)
  AND ($13::timestamptz IS NULL OR created_at < $14)
  AND ($15::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $16 ESCAPE '\')
  AND ($17::text IS NULL OR contact_email = $18)
  AND ($19::uuid[] IS NULL OR id = ANY($20)) AND ($21::timestamptz IS NULL OR (created_at, id) < ($22::timestamptz, $23::uuid))
         ORDER BY created_at DESC, id DESC
         LIMIT $24 OFFSET $25;

-- WebhookLogRepository.page (2)
SELECT set_config('enable_sort', 'off', true), set_config('jit', 'off', true);

SELECT id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at, (SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at, to_char((created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts FROM webhook_log
         WHERE ($1::text IS NULL OR event_type = $2)
  AND ($3::text IS NULL OR event_source = $4)
  AND ($5::text IS NULL OR status = $6)
  AND ($7::uuid IS NULL OR campaign_id = $8)
  AND ($9::uuid IS NULL OR organization_id = $10)
  AND ($11::timestamptz IS NULL OR created_at >= $12)
  AND ($13::timestamptz IS NULL OR created_at < $14)
  AND ($15::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $16 ESCAPE '\')
  AND ($17::text IS NULL OR contact_email = $18)
  AND ($19::uuid[] IS NULL OR id = ANY($20)) AND ($21::timestamptz IS NULL OR (created_at, id) < ($22::timestamptz, $23::uuid))
         ORDER BY created_at + interval '0' DESC, id DESC
         LIMIT $24 OFFSET $25;

SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN ('enable_sort', 'jit');

-- WebhookLogRepository.pageInWindow
SELECT id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at, (SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at, to_char((created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts FROM (
          SELECT * FROM webhook_log
           WHERE ($1::text IS NULL OR event_type = $2)
  AND ($3::text IS NULL OR event_source = $4)
  AND ($5::text IS NULL OR status = $6)
  AND ($7::uuid IS NULL OR campaign_id = $8)
  AND ($9::uuid IS NULL OR organization_id = $10)
  AND ($11::timestamptz IS NULL OR created_at >= $12)
  AND ($13::timestamptz IS NULL OR created_at < $14)
  AND ($15::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $16 ESCAPE '\')
  AND ($17::text IS NULL OR contact_email = $18)
  AND ($19::uuid[] IS NULL OR id = ANY($20)) AND ($21::timestamptz IS NULL OR (created_at, id) < ($22::timestamptz, $23::uuid))
           ORDER BY created_at DESC, id DESC LIMIT $24) webhook_log
         WHERE (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $25 ESCAPE '\'
         ORDER BY created_at DESC, id DESC
         LIMIT $26 OFFSET $27;

-- WebhookLogRepository.searchAmong
WITH m AS MATERIALIZED (SELECT ids, tss FROM webhook_log_search_matches($1, $2)),
        hits AS (
          SELECT id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at FROM webhook_log
           WHERE ($3::text IS NULL OR event_type = $4)
  AND ($5::text IS NULL OR event_source = $6)
  AND ($7::text IS NULL OR status = $8)
  AND ($9::uuid IS NULL OR campaign_id = $10)
  AND ($11::uuid IS NULL OR organization_id = $12)
  AND ($13::timestamptz IS NULL OR created_at >= $14)
  AND ($15::timestamptz IS NULL OR created_at < $16)
  AND ($17::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $18 ESCAPE '\')
  AND ($19::text IS NULL OR contact_email = $20)
  AND ($21::uuid[] IS NULL OR id = ANY($22)) AND (id, created_at) IN (SELECT * FROM unnest((SELECT ids FROM m), (SELECT tss FROM m)))),
        page AS (
          SELECT id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at, (SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at, to_char((created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts FROM hits webhook_log
           WHERE ($23::timestamptz IS NULL OR (created_at, id) < ($24::timestamptz, $25::uuid))
           ORDER BY created_at DESC, id DESC
           LIMIT $26 OFFSET $27)
        SELECT (SELECT cardinality(ids) FROM m)::int AS found, (SELECT count(*) FROM hits)::int AS total, page.*
          FROM (VALUES (1)) one LEFT JOIN page ON true;

-- WebhookLogRepository.searchMatchIds
SELECT ids FROM webhook_log_search_matches($1, $2);

-- WebhookLogRepository.searchNewest
SELECT id FROM webhook_log_search_newest($1, $2, $3, $4) AS id;

-- WebhookLogRepository.searchPage
SELECT ids, matches, to_char((oldest) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS oldest, to_char((newest) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS newest
FROM webhook_log_search_page($1, $2, $3, $4, $5, $6, $7);

-- WebhookLogRepository.statusOf
SELECT "WebhookLog"."status" AS "WebhookLog_status", "WebhookLog"."id" AS "WebhookLog_id", "WebhookLog"."created_at" AS "WebhookLog_created_at" FROM "webhook_log" "WebhookLog" WHERE (("WebhookLog"."id" = $1)) LIMIT 1;
