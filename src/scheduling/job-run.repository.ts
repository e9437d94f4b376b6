import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { JobRun } from './job-run.entity';

/** job_run's rows: who ran which scheduled job for which slot. */
@Injectable()
export class JobRunRepository {
  constructor(private readonly db: Db) {}

  /** True when this instance inserted (job, slot): the slot is its own until the transaction ends. */
  async claim(job: string, slot: Date, instance: string): Promise<boolean> {
    const result = await this.db
      .repository(JobRun)
      .createQueryBuilder()
      .insert()
      .values({ job, slot, instance })
      .orIgnore()
      .returning(['job'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  async finish(job: string, slot: Date, result: object): Promise<void> {
    await this.db
      .repository(JobRun)
      .createQueryBuilder()
      .update()
      .set({ finished_at: () => 'now()', result: () => ':result::jsonb' })
      .where({ job, slot })
      .setParameter('result', JSON.stringify(result))
      .execute();
  }
}
