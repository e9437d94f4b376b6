import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { APP_METRICS, AppMetrics } from '../metrics/app-metrics';

const COMPACT_EVERY_MS = 30_000;

export interface RollupStats {
  totals: { dim: string; value: string; n: number }[];
  buckets: { bucket: Date; total: number; failed: number }[];
}

/**
 * Reads and maintains the stats rollup (migration WebhookLogStats): daily counts per dimension,
 * hourly counts per status, plus the deltas the triggers appended since the last compaction.
 */
@Injectable()
export class WebhookStatsRollup implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const run = () => {
      // timeJob writes the run's line, failures included.
      this.metrics.timeJob('webhook-stats-rollup', () => this.compact(), 'debug').catch(() => undefined);
    };
    // Soon after start (a backlog of deltas may be waiting), then periodically.
    setTimeout(run, 5_000).unref();
    this.timer = setInterval(run, COMPACT_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Folds the deltas into the rollups, on one instance at a time; returns how many were folded. */
  async compact(): Promise<number> {
    return this.db.runAs(SYSTEM_CONTEXT, async () => {
      const lock = await this.db.one<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended('webhook-log-stats-compaction', 0)) AS ok`);
      if (!lock?.ok) return 0;
      const r = await this.db.one<{ n: number }>(
        `WITH moved AS (
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
         SELECT count(*)::int AS n FROM moved`,
      );
      return r?.n ?? 0;
    });
  }

  /** Logs per status over every organization: rollup plus pending deltas, no scan of webhook_log (for /metrics). */
  async statusTotals(): Promise<Record<string, number>> {
    const rows = await this.db.query<{ status: string; n: number }>(
      `SELECT status, sum(n)::bigint::float8 AS n FROM (
         SELECT value AS status, n FROM webhook_log_stats_daily WHERE dim = 'status'
         UNION ALL
         SELECT status, n FROM webhook_log_stats_delta) x
       GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Whole-table answer for one organization (or all, for platform roles): rollups plus pending deltas. */
  async read(orgId: string | null, interval: 'hour' | 'day', bucketFrom: Date): Promise<RollupStats> {
    const totals = await this.db.query<{ dim: string; value: string; n: number }>(
      `SELECT dim, value, sum(n)::int AS n FROM (
         SELECT dim, value, n FROM webhook_log_stats_daily WHERE $1::uuid IS NULL OR organization_id = $1
         UNION ALL
         SELECT v.dim, v.value, d.n FROM webhook_log_stats_delta d,
                LATERAL (VALUES ('status', d.status), ('event_type', d.event_type), ('source', d.event_source)) AS v(dim, value)
          WHERE $1::uuid IS NULL OR d.organization_id = $1) x
       GROUP BY dim, value HAVING sum(n) <> 0`,
      [orgId],
    );
    const from = bucketFrom.toISOString();
    const buckets =
      interval === 'hour'
        ? await this.db.query<{ bucket: Date; total: number; failed: number }>(
            `SELECT (hour AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
               SELECT hour, status, n FROM webhook_log_stats_hourly WHERE ($1::uuid IS NULL OR organization_id = $1) AND hour >= ($2::timestamptz AT TIME ZONE 'UTC')
               UNION ALL
               SELECT hour, status, n FROM webhook_log_stats_delta WHERE ($1::uuid IS NULL OR organization_id = $1) AND hour >= date_trunc('hour', $2::timestamptz AT TIME ZONE 'UTC')) x
             GROUP BY hour HAVING sum(n) <> 0 ORDER BY hour`,
            [orgId, from],
          )
        : await this.db.query<{ bucket: Date; total: number; failed: number }>(
            `SELECT (day::timestamp AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
               SELECT day, value AS status, n FROM webhook_log_stats_daily
                WHERE dim = 'status' AND ($1::uuid IS NULL OR organization_id = $1) AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
               UNION ALL
               SELECT hour::date, status, n FROM webhook_log_stats_delta
                WHERE ($1::uuid IS NULL OR organization_id = $1) AND hour::date >= ($2::timestamptz AT TIME ZONE 'UTC')::date) x
             GROUP BY day HAVING sum(n) <> 0 ORDER BY day`,
            [orgId, from],
          );
    return { totals, buckets };
  }
}
