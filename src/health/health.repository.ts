import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';

@Injectable()
export class HealthRepository {
  constructor(private readonly db: Db) {}

  /** One statement through the request's transaction start (runtime role, context), as anonymous. */
  async ping(): Promise<void> {
    await this.db.query(sql`SELECT 1`);
  }
}
