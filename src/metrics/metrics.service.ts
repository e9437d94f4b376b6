import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { WebhookStatsRollup } from '../webhook-logs/webhook-stats-rollup.service';
import { APP_METRICS, AppMetrics } from './app-metrics';

/** Counted up to this many: a queue deeper than that is alarming whatever its exact size. */
const RETRY_QUEUE_CAP = 1_000_000;

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max: number };
}

/**
 * Gives the metrics their database readings, each cheap enough for every scrape: status counts
 * from the stats rollup, the processing lag from the partial index of due pending logs (one index
 * entry), the retry queue counted up to a cap, the pool from pg's own counters.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
    private readonly db: Db,
    private readonly rollup: WebhookStatsRollup,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    this.metrics.readings = {
      statusCounts: () => this.db.runAs(SYSTEM_CONTEXT, () => this.rollup.statusTotals()),
      oldestDuePendingSeconds: () =>
        this.db.runAs(SYSTEM_CONTEXT, async () => {
          const r = await this.db.one<{ lag: number | null }>(
            `SELECT extract(epoch FROM now() - min(next_attempt_at))::float8 AS lag
               FROM webhook_log WHERE status = 'pending' AND next_attempt_at <= now()`,
          );
          return Math.max(0, r?.lag ?? 0);
        }),
      retryQueueDepth: () =>
        this.db.runAs(SYSTEM_CONTEXT, async () => {
          const r = await this.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log_retry LIMIT ${RETRY_QUEUE_CAP}) q`);
          return r?.n ?? 0;
        }),
      pool: () => ({ total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0, max: pool?.options.max ?? 0 }),
    };
  }

  render(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }
}
