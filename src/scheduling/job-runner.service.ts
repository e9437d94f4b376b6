import { Inject, Injectable } from '@nestjs/common';
import { hostname } from 'os';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { JobRunRepository } from './job-run.repository';

/**
 * Runs a scheduled job at most once per time slot across every instance on the database: the
 * first instance to insert (job, slot) into job_run runs it inside that same transaction; another
 * instance firing at the same moment waits on the row, then finds it taken and skips. If the
 * first run fails, its row rolls back with it and the slot stays free.
 */
@Injectable()
export class JobRunner {
  private readonly instance = `${hostname()}:${process.pid}`;

  constructor(
    private readonly db: Db,
    private readonly runs: JobRunRepository,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {}

  /** The job's run in this instance goes into its metrics (last success, duration). */
  async runOncePerSlot<T extends object>(job: string, slot: Date, fn: () => Promise<T>): Promise<T | null> {
    return this.db.runAs(SYSTEM_CONTEXT, async () => {
      if (!(await this.claim(job, slot))) return null;
      const result = await this.metrics.timeJob(job, fn);
      await this.finish(job, slot, result);
      return result;
    });
  }

  /**
   * For jobs that work in many short transactions of their own: the slot is claimed and committed
   * first. A run that dies half-way keeps its slot; the next slot runs it again.
   */
  async runBatchedOncePerSlot<T extends object>(job: string, slot: Date, fn: () => Promise<T>): Promise<T | null> {
    if (!(await this.db.runAs(SYSTEM_CONTEXT, () => this.claim(job, slot)))) return null;
    const result = await this.metrics.timeJob(job, fn);
    await this.db.runAs(SYSTEM_CONTEXT, () => this.finish(job, slot, result));
    return result;
  }

  /** In the current transaction: true when this instance took the slot. */
  private claim(job: string, slot: Date): Promise<boolean> {
    return this.runs.claim(job, slot, this.instance);
  }

  private finish(job: string, slot: Date, result: object): Promise<void> {
    return this.runs.finish(job, slot, result);
  }
}

/** The slot of a run fired by cron: its minute, the same on every instance. */
export function minuteSlot(at = new Date()): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}
