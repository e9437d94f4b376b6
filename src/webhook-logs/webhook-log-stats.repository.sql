-- The statements of src/webhook-logs/webhook-log-stats.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- WebhookLogStatsRepository.compactStats
SELECT pg_try_advisory_xact_lock(hashtextextended('webhook-log-stats-compaction', 0)) AS ok;

WITH moved AS (
  DELETE FROM webhook_log_stats_delta RETURNING organization_id, hour, event_type, event_source, status, n),
daily AS (
  INSERT INTO webhook_log_stats_daily (organization_id, day, dim, value, n)
  SELECT m.organization_id, m.hour::date, v.dim, v.value, sum(m.n)
    FROM moved m, LATERAL (VALUES ('status', m.status), ('event_type', m.event_type), ('source', m.event_source)) AS v(dim, value)
   GROUP BY 1, 2, 3, 4
  ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_daily DO UPDATE SET n = webhook_log_stats_daily.n + EXCLUDED.n),
hourly AS (
  INSERT INTO webhook_log_stats_hourly (organization_id, hour, status, n)
  SELECT organization_id, hour, status, sum(n) FROM moved GROUP BY 1, 2, 3
  ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_hourly DO UPDATE SET n = webhook_log_stats_hourly.n + EXCLUDED.n)
SELECT count(*)::int AS n FROM moved;

-- WebhookLogStatsRepository.oldestDuePendingSeconds
SELECT extract(epoch FROM now() - min(next_attempt_at))::float8 AS lag
FROM webhook_log WHERE status = 'pending' AND next_attempt_at <= now();

-- WebhookLogStatsRepository.rollupBuckets
SELECT (hour AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
  SELECT hour, status, n FROM webhook_log_stats_hourly WHERE ($1::uuid IS NULL OR organization_id = $2) AND hour >= ($3::timestamptz AT TIME ZONE 'UTC')
  UNION ALL
  SELECT hour, status, n FROM webhook_log_stats_delta WHERE ($4::uuid IS NULL OR organization_id = $5) AND hour >= date_trunc('hour', $6::timestamptz AT TIME ZONE 'UTC')) x
GROUP BY hour HAVING sum(n) <> 0 ORDER BY hour;

-- WebhookLogStatsRepository.rollupBuckets (2)
SELECT (day::timestamp AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
  SELECT day, value AS status, n FROM webhook_log_stats_daily
   WHERE dim = 'status' AND ($1::uuid IS NULL OR organization_id = $2) AND day >= ($3::timestamptz AT TIME ZONE 'UTC')::date
  UNION ALL
  SELECT hour::date, status, n FROM webhook_log_stats_delta
   WHERE ($4::uuid IS NULL OR organization_id = $5) AND hour::date >= ($6::timestamptz AT TIME ZONE 'UTC')::date) x
GROUP BY day HAVING sum(n) <> 0 ORDER BY day;

-- WebhookLogStatsRepository.rollupTotals
SELECT dim, value, sum(n)::int AS n FROM (
  SELECT dim, value, n FROM webhook_log_stats_total WHERE $1::uuid IS NULL OR organization_id = $2
  UNION ALL
  SELECT v.dim, v.value, d.n FROM webhook_log_stats_delta d,
         LATERAL (VALUES ('status', d.status), ('event_type', d.event_type), ('source', d.event_source)) AS v(dim, value)
   WHERE $3::uuid IS NULL OR d.organization_id = $4) x
GROUP BY dim, value HAVING sum(n) <> 0;

-- WebhookLogStatsRepository.statsScan
SELECT status, event_type, event_source, bucket,
             count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed,
             GROUPING(status, event_type, event_source, bucket)::int AS g
        FROM (SELECT status, event_type, event_source,
                     CASE WHEN created_at >= $1 THEN date_trunc($2, created_at, 'UTC') END AS bucket
                FROM webhook_log WHERE ($3::text IS NULL OR event_type = $4)
AND ($5::text IS NULL OR event_source = $6)
AND ($7::text IS NULL OR status = $8)
AND ($9::uuid IS NULL OR campaign_id = $10)
AND ($11::uuid IS NULL OR organization_id = $12)
AND ($13::timestamptz IS NULL OR created_at >= $14)
AND ($15::timestamptz IS NULL OR created_at < $16)
AND ($17::text IS NULL OR (coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) ILIKE $18 ESCAPE '\')
AND ($19::text IS NULL OR contact_email = $20)
AND ($21::uuid[] IS NULL OR id = ANY($22))) w
       GROUP BY GROUPING SETS ((status), (event_type), (event_source), (bucket));

-- WebhookLogStatsRepository.statusTotals
SELECT status, sum(n)::bigint::float8 AS n FROM (
  SELECT value AS status, n FROM webhook_log_stats_total WHERE dim = 'status'
  UNION ALL
  SELECT status, n FROM webhook_log_stats_delta) x
GROUP BY status;
