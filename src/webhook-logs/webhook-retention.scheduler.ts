import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ActivityService } from '../activity/activity.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { scheduleJob } from '../scheduling/daily-job';
import { JobRunner, minuteSlot } from '../scheduling/job-runner.service';
import { WebhookLogsService } from './webhook-logs.service';

export const RETENTION_JOB = 'webhook-log-retention';
/** What the nightly retention deletes: failed logs stay for an admin, pending ones for the worker. */
const NIGHTLY_STATUSES = ['processed', 'skipped'];
/** The months past the limit within this many days have the logs they keep copied ahead (a night to spare). */
const PREPARE_AHEAD_DAYS = 2;

/**
 * With WEBHOOK_LOG_RETENTION_DAYS > 0: every night at 03:00 UTC, processed and skipped logs older
 * than that are deleted in bounded batches, on one instance. Failed logs stay for an admin; those
 * of the months it drops in the next two days are copied ahead, so the drop holds its lock briefly.
 */
@Injectable()
export class WebhookRetentionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookRetention');

  constructor(
    private readonly logs: WebhookLogsService,
    private readonly jobs: JobRunner,
    private readonly db: Db,
    private readonly activity: ActivityService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhookLogRetentionDays <= 0) return;
    scheduleJob(this.registry, RETENTION_JOB, '0 3 * * *', () => this.runScheduled(), this.logger);
  }

  async runScheduled(slot: Date = minuteSlot(), days = this.config.webhookLogRetentionDays): Promise<{ deleted_count: number } | null> {
    const result = await this.jobs.runBatchedOncePerSlot(RETENTION_JOB, slot, async () => {
      const deleted = await this.logs.deleteInBatches(
        days,
        NIGHTLY_STATUSES,
        (batch) => this.db.runAs(SYSTEM_CONTEXT, batch),
        PREPARE_AHEAD_DAYS,
      );
      await this.db.runAs(SYSTEM_CONTEXT, () =>
        this.activity.record({
          action: 'webhook.retention',
          organizationId: null,
          actorId: null,
          actorRole: 'system',
          targetType: 'webhook_log',
          itemCount: deleted,
          details: { older_than_days: days },
        }),
      );
      this.logger.log(`retention: ${deleted} logs older than ${days} days deleted`);
      return { deleted_count: deleted };
    });
    if (!result) this.logger.log(`retention slot ${slot.toISOString()} already ran on another instance`);
    return result;
  }
}
