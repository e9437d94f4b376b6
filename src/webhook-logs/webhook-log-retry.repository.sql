-- The statements of src/webhook-logs/webhook-log-retry.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- WebhookLogRetryRepository.bulkRetryByIds
WITH upd AS (
  UPDATE webhook_log w SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
         retry_count = w.retry_count + 1, last_retry_at = now()
   WHERE w.id = ANY($1::uuid[]) AND (w.status IN ('failed', 'skipped') OR ($2 AND w.status = 'processed'))
  RETURNING w.id)
SELECT coalesce((SELECT array_agg(id) FROM upd), '{}') AS done, (SELECT count(DISTINCT x)::int FROM unnest($3::uuid[]) x) AS requested;

SELECT count(*)::int AS found,
     (count(*) FILTER (WHERE status IN ('pending', 'processing')))::int AS already_pending,
     (count(*) FILTER (WHERE status = 'processed'))::int AS processed_needs_force
FROM webhook_log WHERE id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]));

-- WebhookLogRetryRepository.bulkRetryByIds (2)
SELECT coalesce(array_agg(w.id), '{}') AS done, (SELECT count(DISTINCT x)::int FROM unnest($1::uuid[]) x) AS requested FROM webhook_log w WHERE w.id = ANY($2::uuid[]) AND (w.status IN ('failed', 'skipped') OR ($3 AND w.status = 'processed'));

SELECT count(*)::int AS found,
     (count(*) FILTER (WHERE status IN ('pending', 'processing')))::int AS already_pending,
     (count(*) FILTER (WHERE status = 'processed'))::int AS processed_needs_force
FROM webhook_log WHERE id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]));

-- WebhookLogRetryRepository.queueRetryByFilter
WITH matched AS (SELECT id, organization_id FROM webhook_log WHERE (status IN ('failed', 'skipped') OR ($1 AND status = 'processed')) AND ($2::text IS NULL OR event_type = $3)
AND ($4::text IS NULL OR event_source = $5)
AND ($6::text IS NULL OR status = $7)
AND ($8::uuid IS NULL OR campaign_id = $9)
AND ($10::uuid IS NULL OR organization_id = $11)
AND ($12::timestamptz IS NULL OR created_at >= $13)
AND ($14::timestamptz IS NULL OR created_at < $15)
AND ($16::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $17 ESCAPE '\')
AND ($18::text IS NULL OR contact_email = $19)
AND ($20::uuid[] IS NULL OR id = ANY($21))),
            queued AS (
              INSERT INTO webhook_log_retry (log_id, organization_id, force, requested_by)
              SELECT id, organization_id, $22, $23 FROM matched
              ON CONFLICT (log_id) DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM matched)::int AS matched, (SELECT count(*) FROM queued)::int AS queued;

-- WebhookLogRetryRepository.queueRetryByFilter (2)
SELECT count(*)::int AS matched,
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM webhook_log_retry q WHERE q.log_id = webhook_log.id))::int AS queued
         FROM webhook_log WHERE (status IN ('failed', 'skipped') OR ($1 AND status = 'processed')) AND ($2::text IS NULL OR event_type = $3)
AND ($4::text IS NULL OR event_source = $5)
AND ($6::text IS NULL OR status = $7)
AND ($8::uuid IS NULL OR campaign_id = $9)
AND ($10::uuid IS NULL OR organization_id = $11)
AND ($12::timestamptz IS NULL OR created_at >= $13)
AND ($14::timestamptz IS NULL OR created_at < $15)
AND ($16::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $17 ESCAPE '\')
AND ($18::text IS NULL OR contact_email = $19)
AND ($20::uuid[] IS NULL OR id = ANY($21));

-- WebhookLogRetryRepository.retry
UPDATE webhook_log SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
      retry_count = retry_count + 1, last_retry_at = now()
WHERE id = $1 AND (status IN ('failed', 'skipped') OR ($2 AND status = 'processed')
                   -- waiting for its automatic retry's backoff: due now instead (not a first
                   -- attempt waiting for its fair turn: that would jump its neighbours' queue)
                   OR (status = 'pending' AND attempts > 0 AND next_attempt_at > now()))
RETURNING id, status, retry_count, last_retry_at, organization_id;

-- WebhookLogRetryRepository.retryQueueDepth
SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log_retry LIMIT $1) q;
