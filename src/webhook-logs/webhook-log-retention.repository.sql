-- The statements of src/webhook-logs/webhook-log-retention.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- WebhookLogRetentionRepository.deleteExpiredDedupKeys
WITH gone AS (
  DELETE FROM webhook_log_dedup k USING (
    SELECT event_source, dedup_key FROM webhook_log_dedup
     WHERE created_at < now() - make_interval(days => $1) ORDER BY created_at LIMIT $2) old
   WHERE k.event_source = old.event_source AND k.dedup_key = old.dedup_key RETURNING 1)
SELECT count(*)::int AS n FROM gone;

-- WebhookLogRetentionRepository.deleteOlderThan
WITH doomed AS (
  SELECT id, created_at FROM webhook_log
   WHERE created_at < now() - make_interval(days => $1) AND status = ANY($2::text[])
     AND ($3::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $6)
     AND ($7::timestamptz IS NULL OR (created_at, id) > ($8::timestamptz, $9::uuid))
   ORDER BY created_at, id LIMIT $10),
gone AS (DELETE FROM webhook_log w USING doomed d WHERE w.id = d.id AND w.created_at = d.created_at RETURNING 1),
last AS (SELECT id, to_char((created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at FROM doomed ORDER BY doomed.created_at DESC, id DESC LIMIT 1)
SELECT (SELECT count(*) FROM gone)::int AS deleted, last.created_at, last.id FROM (SELECT 1) one LEFT JOIN last ON true;

-- WebhookLogRetentionRepository.dropMonths
SELECT deleted::int AS deleted, to_char((dropped_before) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS dropped_before FROM webhook_log_drop_months($1, $2::text[]);

-- WebhookLogRetentionRepository.ensurePartitions
SELECT webhook_log_ensure_partitions($1) AS n;

-- WebhookLogRetentionRepository.partitionHealth
SELECT default_rows::int AS default_rows, months_ahead, monthly_partitions FROM webhook_log_partition_health();

-- WebhookLogRetentionRepository.prepareKept
SELECT webhook_log_prepare_kept($1, $2::text[]) AS n;

-- WebhookLogRetentionRepository.refreshSearchTrigrams
SELECT webhook_log_refresh_search_trigrams($1) AS n;

-- WebhookLogRetentionRepository.retentionCutoff
SELECT to_char((date_trunc('month', (now() - make_interval(days => $1)) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cutoff;
