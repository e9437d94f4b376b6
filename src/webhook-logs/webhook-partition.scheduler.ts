import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { scheduleJob } from '../scheduling/daily-job';
import { JobRunner, minuteSlot } from '../scheduling/job-runner.service';
import { WebhookLogRetentionRepository } from './webhook-log-retention.repository';

export const PARTITION_JOB = 'webhook-log-partitions';
const DEDUP_BATCH = 10_000;
/** Logs sampled for the search's trigram shares: enough to tell a trigram in 10% of logs from a rarer one. */
export const SEARCH_TRIGRAM_SAMPLE = 20_000;

/**
 * Keeps the monthly log partitions ahead of time (WEBHOOK_LOG_PARTITIONS_AHEAD) at start-up and
 * every day at 00:10 UTC, so an event never lands in the default partition, prunes dedup keys
 * older than WEBHOOK_DEDUP_RETENTION_DAYS in short transactions, and refreshes the search's
 * trigram shares from a sample (which trigrams the search asks the index for).
 */
@Injectable()
export class WebhookPartitionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookPartitions');

  constructor(
    private readonly logs: WebhookLogRetentionRepository,
    private readonly jobs: JobRunner,
    private readonly db: Db,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Start-up does not wait on the job's slot: creating what is missing is idempotent.
    await this.ensurePartitions().catch((err: Error) => this.logger.error(`partitions at start-up: ${err.message}`));
    // Not awaited: a sample of a large table takes a moment, and searches work without it.
    void this.refreshSearchTrigrams().catch((err: Error) => this.logger.error(`search statistics at start-up: ${err.message}`));
    scheduleJob(this.registry, PARTITION_JOB, '10 0 * * *', () => this.runScheduled(), this.logger);
  }

  async runScheduled(
    slot: Date = minuteSlot(),
  ): Promise<{ partitions_created: number; dedup_keys_deleted: number; search_trigrams: number } | null> {
    return this.jobs.runBatchedOncePerSlot(PARTITION_JOB, slot, async () => {
      const created = await this.ensurePartitions();
      const pruned = await this.pruneDedupKeys();
      const trigrams = await this.refreshSearchTrigrams();
      return { partitions_created: created, dedup_keys_deleted: pruned, search_trigrams: trigrams };
    });
  }

  refreshSearchTrigrams(): Promise<number> {
    return this.db.runAs(SYSTEM_CONTEXT, () => this.logs.refreshSearchTrigrams(SEARCH_TRIGRAM_SAMPLE));
  }

  async ensurePartitions(): Promise<number> {
    const created = await this.db.runAs(SYSTEM_CONTEXT, () => this.logs.ensurePartitions(this.config.webhookLogPartitionsAhead));
    if (created) this.logger.log(`${created} monthly webhook log partitions created`);
    return created;
  }

  async pruneDedupKeys(): Promise<number> {
    const days = this.config.webhookDedupRetentionDays;
    if (days <= 0) return 0;
    let pruned = 0;
    for (;;) {
      const n = await this.db.runAs(SYSTEM_CONTEXT, () => this.logs.deleteExpiredDedupKeys(days, DEDUP_BATCH));
      pruned += n;
      if (n < DEDUP_BATCH) break;
    }
    if (pruned) this.logger.log(`${pruned} dedup keys older than ${days} days deleted`);
    return pruned;
  }
}
