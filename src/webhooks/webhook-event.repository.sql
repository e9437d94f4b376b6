-- The statements of src/webhooks/webhook-event.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- WebhookEventRepository.claim
WITH due AS (
  SELECT id FROM webhook_log WHERE status = 'pending' AND (attempts = 0 OR next_attempt_at <= now())
   ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
), stale AS (
  SELECT id FROM webhook_log WHERE status = 'processing' AND locked_until < now()
   ORDER BY locked_until LIMIT $2 FOR UPDATE SKIP LOCKED
), dequeued AS (
  DELETE FROM webhook_log_retry q WHERE q.log_id IN (
    SELECT log_id FROM webhook_log_retry ORDER BY requested_at LIMIT $3 FOR UPDATE SKIP LOCKED)
  RETURNING q.log_id, q.force, q.requested_at
), retried AS (
  UPDATE webhook_log w
     SET status = 'processing', attempts = 1, retry_count = w.retry_count + 1, last_retry_at = q.requested_at,
         next_attempt_at = now(), locked_until = now() + make_interval(secs => $4)
    FROM dequeued q
   WHERE w.id = q.log_id AND (w.status IN ('failed', 'skipped') OR (q.force AND w.status = 'processed'))
  RETURNING w.id, w.event_source, w.event_type, w.raw_event_type, w.payload, w.attempts, w.created_at, w.next_attempt_at, w.credential_org_id
), claimed AS (
  UPDATE webhook_log w
     SET status = 'processing', attempts = w.attempts + 1,
         locked_until = now() + make_interval(secs => $5)
   WHERE w.id IN (SELECT id FROM due UNION ALL SELECT id FROM stale)
  RETURNING w.id, w.event_source, w.event_type, w.raw_event_type, w.payload, w.attempts, w.created_at, w.next_attempt_at, w.credential_org_id
)
SELECT * FROM claimed UNION ALL SELECT * FROM retried;

-- WebhookEventRepository.claimBefore
WITH due AS (
   SELECT id FROM webhook_log WHERE status = 'pending' AND (attempts = 0 OR next_attempt_at <= now()) AND next_attempt_at < $1
    ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
UPDATE webhook_log w SET status = 'processing', attempts = w.attempts + 1, locked_until = now() + make_interval(secs => $3)
 WHERE w.id IN (SELECT id FROM due)
RETURNING w.id, w.event_source, w.event_type, w.raw_event_type, w.payload, w.attempts, w.created_at, w.next_attempt_at, w.credential_org_id;

-- WebhookEventRepository.findLogs
SELECT k.log_id AS id, k.event_source, k.dedup_key FROM webhook_log_dedup k
JOIN unnest($1::text[], $2::text[]) AS x(s, d) ON k.event_source = x.s AND k.dedup_key = x.d;

-- WebhookEventRepository.finishLog
UPDATE webhook_log SET status = $1::text, processed_at = now(), locked_until = NULL, error_message = $2::text,
      attempt_history = attempt_history || jsonb_build_object('attempt', attempts, 'at', now(), 'outcome', $3::text, 'message', $4::text),
      organization_id = coalesce($5, organization_id), campaign_id = coalesce($6, campaign_id),
      campaign_name = coalesce($7, campaign_name)
WHERE id = $8;

-- WebhookEventRepository.hasQueuedRetries
SELECT 1 FROM webhook_log_retry LIMIT 1;

-- WebhookEventRepository.holdLease
SELECT set_config('synchronous_commit', 'off', true)
 FROM webhook_log LEFT JOIN (SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0)) WHERE $2::text IS NOT NULL) AS subject ON true
WHERE id = $3 AND status = 'processing' AND attempts = $4 FOR UPDATE OF webhook_log;

-- WebhookEventRepository.insertLogs
WITH x AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                       $6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[], $11::float8[])
    AS x(s, d, t, r, p, w, ic, cn, em, o, turn)),
fresh AS (
  INSERT INTO webhook_log_dedup (event_source, dedup_key, log_id)
  SELECT s, d, gen_random_uuid() FROM x
  ON CONFLICT ON CONSTRAINT pk_webhook_log_dedup DO NOTHING
  RETURNING event_source, dedup_key, log_id)
INSERT INTO webhook_log (id, event_source, dedup_key, event_type, raw_event_type, payload, workspace_id,
                         instantly_campaign_id, campaign_name, contact_email, organization_id, credential_org_id, next_attempt_at)
SELECT f.log_id, x.s, x.d, x.t, x.r, x.p::jsonb, x.w, x.ic, x.cn, x.em, x.o, x.o,
       CASE WHEN x.turn > 0 THEN now() + x.turn * interval '1 millisecond' ELSE now() END
  FROM fresh f JOIN x ON x.s = f.event_source AND x.d = f.dedup_key
RETURNING id, event_source, dedup_key;

-- WebhookEventRepository.recordFailure
UPDATE webhook_log
  SET status = $1::text, error_message = $2::text, locked_until = NULL,
      attempt_history = attempt_history || jsonb_build_object('attempt', attempts, 'at', now(), 'outcome', 'error', 'message', $3::text),
      next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
WHERE id = $5 AND status = 'processing' AND attempts = $6;
