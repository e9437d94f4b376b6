import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { scheduleJob } from '../scheduling/daily-job';
import { JobRunner, minuteSlot } from '../scheduling/job-runner.service';
import { OnboardingService } from './onboarding.service';

export const EXPIRY_JOB = 'onboarding-expiry';

/** Expires overdue links daily (ONBOARDING_EXPIRY_CRON, UTC), once across all instances. */
@Injectable()
export class OnboardingExpiryScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('OnboardingExpiry');

  constructor(
    private readonly onboarding: OnboardingService,
    private readonly jobs: JobRunner,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.registry, EXPIRY_JOB, this.config.onboardingExpiryCron, () => this.runScheduled(), this.logger);
  }

  /** One scheduled run: null when another instance already ran this slot. */
  async runScheduled(slot: Date = minuteSlot()): Promise<{ expired_count: number } | null> {
    const result = await this.jobs.runOncePerSlot(EXPIRY_JOB, slot, async () => {
      const expired = await this.onboarding.expireOverdueLinks();
      await this.onboarding.recordExpiry(expired, { userId: null, role: 'system' }, 'schedule');
      return { expired_count: expired };
    });
    if (!result) this.logger.log(`expiry slot ${slot.toISOString()} already ran on another instance`);
    return result;
  }
}
