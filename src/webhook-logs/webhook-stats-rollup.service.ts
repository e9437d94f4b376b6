import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { WebhookLogStatsRepository } from './webhook-log-stats.repository';

const COMPACT_EVERY_MS = 30_000;

export interface RollupStats {
  totals: { dim: string; value: string; n: number }[];
  buckets: { bucket: Date; total: number; failed: number }[];
}

/**
 * Keeps the stats rollup (migration WebhookLogStats) compact: every 30 s the deltas the triggers
 * appended are folded into the daily and hourly counts; reads add the deltas not folded yet.
 */
@Injectable()
export class WebhookStatsRollup implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly logs: WebhookLogStatsRepository,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const run = () => {
      // timeJob writes the run's line, failures included.
      this.metrics.timeJob('webhook-stats-rollup', () => this.compact(), 'debug').catch(() => undefined);
    };
    // Soon after start (a backlog of deltas may be waiting), then periodically.
    this.first = setTimeout(run, 5_000);
    this.first.unref();
    this.timer = setInterval(run, COMPACT_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearInterval(this.timer);
  }

  /** Folds the deltas into the rollups, on one instance at a time; returns how many were folded. */
  compact(): Promise<number> {
    return this.db.runAs(SYSTEM_CONTEXT, () => this.logs.compactStats());
  }

  /** Logs per status over every organization visible, without a scan of webhook_log (for /metrics). */
  async statusTotals(): Promise<Record<string, number>> {
    const rows = await this.logs.statusTotals();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Whole-table answer for one organization (or all, for platform roles). */
  async read(orgId: string | null, interval: 'hour' | 'day', bucketFrom: Date): Promise<RollupStats> {
    return { totals: await this.logs.rollupTotals(orgId), buckets: await this.logs.rollupBuckets(orgId, interval, bucketFrom) };
  }
}
