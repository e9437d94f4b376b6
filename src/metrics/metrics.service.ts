import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pgPoolOf } from '../database/data-source';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { WebhookLogRetentionRepository } from '../webhook-logs/webhook-log-retention.repository';
import { WebhookLogRetryRepository } from '../webhook-logs/webhook-log-retry.repository';
import { WebhookLogStatsRepository } from '../webhook-logs/webhook-log-stats.repository';
import { WebhookStatsRollup } from '../webhook-logs/webhook-stats-rollup.service';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';

/** Counted up to this many: a queue deeper than that is alarming whatever its exact size. */
const RETRY_QUEUE_CAP = 1_000_000;

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
    private readonly stats: WebhookLogStatsRepository,
    private readonly retries: WebhookLogRetryRepository,
    private readonly retention: WebhookLogRetentionRepository,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const pool = pgPoolOf(this.dataSource);
    let partitions: Promise<{ default_rows: number; months_ahead: number }> | null = null;
    this.metrics.readings = {
      statusCounts: () => this.db.runAs(SYSTEM_CONTEXT, () => this.rollup.statusTotals()),
      oldestDuePendingSeconds: () => this.db.runAs(SYSTEM_CONTEXT, () => this.stats.oldestDuePendingSeconds()),
      retryQueueDepth: () => this.db.runAs(SYSTEM_CONTEXT, () => this.retries.retryQueueDepth(RETRY_QUEUE_CAP)),
      // Two gauges read it in the same scrape (their collects run together): one query serves both.
      partitions: () => (partitions ??= this.readPartitions().finally(() => (partitions = null))),
      pool: () => ({
        total: pool?.totalCount ?? 0,
        idle: pool?.idleCount ?? 0,
        waiting: pool?.waitingCount ?? 0,
        max: pool?.options.max ?? 0,
      }),
    };
  }

  private async readPartitions(): Promise<{ default_rows: number; months_ahead: number }> {
    return (await this.db.runAs(SYSTEM_CONTEXT, () => this.retention.partitionHealth())) ?? { default_rows: 0, months_ahead: 0 };
  }

  render(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }
}
