import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Db } from '../database/db.service';
import { ActivityLog } from './activity-log.entity';

/** activity_log's rows, written in the caller's transaction. */
@Injectable()
export class ActivityRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(ActivityLog) private readonly activityLog: Repository<ActivityLog>,
  ) {}

  async insert(
    row: Pick<
      ActivityLog,
      'organization_id' | 'actor_id' | 'actor_role' | 'action' | 'target_type' | 'target_id' | 'item_count' | 'details'
    >,
  ): Promise<void> {
    // No RETURNING: callers such as a link holder may write a record they may not read back.
    await (
      await this.db.inTx(this.activityLog)
    )
      .createQueryBuilder()
      .insert()
      .values(row as QueryDeepPartialEntity<ActivityLog>)
      .updateEntity(false)
      .execute();
  }
}
