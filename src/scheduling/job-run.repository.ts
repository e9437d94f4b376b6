import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';

/** job_run's rows: who ran which scheduled job for which slot. */
@Injectable()
export class JobRunRepository {
  constructor(private readonly db: Db) {}

  /** True when this instance inserted (job, slot): the slot is its own until the transaction ends. */
  async claim(job: string, slot: Date, instance: string): Promise<boolean> {
    const rows = await this.db.query(
      sql`INSERT INTO job_run (job, slot, instance) VALUES (${job}, ${slot}, ${instance}) ON CONFLICT DO NOTHING RETURNING job`,
    );
    return rows.length > 0;
  }

  async finish(job: string, slot: Date, result: object): Promise<void> {
    await this.db.query(sql`UPDATE job_run SET finished_at = now(), result = ${result}::jsonb WHERE job = ${job} AND slot = ${slot}`);
  }
}
