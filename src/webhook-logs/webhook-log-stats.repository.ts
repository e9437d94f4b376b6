import { Injectable } from '@nestjs/common';
import { LogFilterValues } from './log-filter';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { filterSql } from './webhook-log.sql';

export interface StatsScanRow {
  status: string | null;
  event_type: string | null;
  event_source: string | null;
  bucket: Date | null;
  n: number;
  failed: number;
  g: number;
}

/** Webhook log statistics: the scan over a filter, the rollup (migration WebhookLogStats) and the readings for /metrics. */
@Injectable()
export class WebhookLogStatsRepository {
  constructor(private readonly db: Db) {}

  /** Counts by status, type, source and time bucket in one scan of the matching rows (GROUPING SETS; g tells which set). */
  statsScan(filter: LogFilterValues, interval: 'hour' | 'day', bucketFrom: Date): Promise<StatsScanRow[]> {
    return this.db.query<StatsScanRow>(
      sql`SELECT status, event_type, event_source, bucket,
                 count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                 GROUPING(status, event_type, event_source, bucket)::int AS g
            FROM (SELECT status, event_type, event_source,
                         CASE WHEN created_at >= ${bucketFrom} THEN date_trunc(${interval}, created_at, 'UTC') END AS bucket
                    FROM webhook_log WHERE ${filterSql(filter)}) w
           GROUP BY GROUPING SETS ((status), (event_type), (event_source), (bucket))`,
    );
  }

  /** Folds the deltas into the rollups, on one instance at a time; returns how many were folded. */
  async compactStats(): Promise<number> {
    const lock = await this.db.query<{ ok: boolean }>(
      sql`SELECT pg_try_advisory_xact_lock(hashtextextended('webhook-log-stats-compaction', 0)) AS ok`,
    );
    if (!lock[0]?.ok) return 0;
    const rows = await this.db.query<{ n: number }>(sql`WITH moved AS (
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
       SELECT count(*)::int AS n FROM moved`);
    return rows[0]?.n ?? 0;
  }

  /** Logs per status over every organization visible: rollup plus pending deltas, no scan of webhook_log. */
  statusTotals(): Promise<{ status: string; n: number }[]> {
    return this.db.query<{ status: string; n: number }>(sql`SELECT status, sum(n)::bigint::float8 AS n FROM (
         SELECT value AS status, n FROM webhook_log_stats_total WHERE dim = 'status'
         UNION ALL
         SELECT status, n FROM webhook_log_stats_delta) x
       GROUP BY status`);
  }

  /** Totals per dimension for one organization (or all visible): the totals table plus pending deltas. */
  rollupTotals(orgId: string | null): Promise<{ dim: string; value: string; n: number }[]> {
    return this.db.query<{ dim: string; value: string; n: number }>(sql`SELECT dim, value, sum(n)::int AS n FROM (
         SELECT dim, value, n FROM webhook_log_stats_total WHERE ${orgId}::uuid IS NULL OR organization_id = ${orgId}
         UNION ALL
         SELECT v.dim, v.value, d.n FROM webhook_log_stats_delta d,
                LATERAL (VALUES ('status', d.status), ('event_type', d.event_type), ('source', d.event_source)) AS v(dim, value)
          WHERE ${orgId}::uuid IS NULL OR d.organization_id = ${orgId}) x
       GROUP BY dim, value HAVING sum(n) <> 0`);
  }

  /** Logs and failures per UTC hour or day from bucketFrom on: rollup plus pending deltas. */
  rollupBuckets(
    orgId: string | null,
    interval: 'hour' | 'day',
    bucketFrom: Date,
  ): Promise<{ bucket: Date; total: number; failed: number }[]> {
    const from = bucketFrom.toISOString();
    return interval === 'hour'
      ? this.db.query<{
          bucket: Date;
          total: number;
          failed: number;
        }>(sql`SELECT (hour AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
             SELECT hour, status, n FROM webhook_log_stats_hourly WHERE (${orgId}::uuid IS NULL OR organization_id = ${orgId}) AND hour >= (${from}::timestamptz AT TIME ZONE 'UTC')
             UNION ALL
             SELECT hour, status, n FROM webhook_log_stats_delta WHERE (${orgId}::uuid IS NULL OR organization_id = ${orgId}) AND hour >= date_trunc('hour', ${from}::timestamptz AT TIME ZONE 'UTC')) x
           GROUP BY hour HAVING sum(n) <> 0 ORDER BY hour`)
      : this.db.query<{
          bucket: Date;
          total: number;
          failed: number;
        }>(sql`SELECT (day::timestamp AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
             SELECT day, value AS status, n FROM webhook_log_stats_daily
              WHERE dim = 'status' AND (${orgId}::uuid IS NULL OR organization_id = ${orgId}) AND day >= (${from}::timestamptz AT TIME ZONE 'UTC')::date
             UNION ALL
             SELECT hour::date, status, n FROM webhook_log_stats_delta
              WHERE (${orgId}::uuid IS NULL OR organization_id = ${orgId}) AND hour::date >= (${from}::timestamptz AT TIME ZONE 'UTC')::date) x
           GROUP BY day HAVING sum(n) <> 0 ORDER BY day`);
  }

  /** How long the oldest due pending log has waited, in seconds (one entry of the partial due index). */
  async oldestDuePendingSeconds(): Promise<number> {
    const rows = await this.db.query<{ lag: number | null }>(sql`SELECT extract(epoch FROM now() - min(next_attempt_at))::float8 AS lag
         FROM webhook_log WHERE status = 'pending' AND next_attempt_at <= now()`);
    return Math.max(0, rows[0]?.lag ?? 0);
  }
}
