import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { JobRun } from './job-run.entity';

/** job_run's rows: who ran which scheduled job for which slot. */
@Injectable()
export class JobRunRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(JobRun) private readonly jobRuns: Repository<JobRun>,
  ) {}

  /** True when this instance inserted (job, slot): the slot is its own until the transaction ends. */
  async claim(job: string, slot: Date, instance: string): Promise<boolean> {
    const result = await (
      await this.db.inTx(this.jobRuns)
    )
      .createQueryBuilder()
      .insert()
      .values({ job, slot, instance })
      .orIgnore()
      .returning(['job'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  async finish(job: string, slot: Date, result: object): Promise<void> {
    await (
      await this.db.inTx(this.jobRuns)
    )
      .createQueryBuilder()
      .update()
      .set({ finished_at: () => 'now()', result: () => ':result::jsonb' })
      .where({ job, slot })
      .setParameter('result', JSON.stringify(result))
      .execute();
  }
}
