import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import type { ActivityLog } from './activity-log.entity';

/** activity_log's rows, written in the caller's transaction. */
@Injectable()
export class ActivityRepository {
  constructor(private readonly db: Db) {}

  async insert(
    row: Pick<
      ActivityLog,
      'organization_id' | 'actor_id' | 'actor_role' | 'action' | 'target_type' | 'target_id' | 'item_count' | 'details'
    >,
  ): Promise<void> {
    // No RETURNING: callers such as a link holder may write a record they may not read back.
    await this.db.query(
      sql`INSERT INTO activity_log (organization_id, actor_id, actor_role, action, target_type, target_id, item_count, details)
          VALUES (${row.organization_id}, ${row.actor_id}, ${row.actor_role}, ${row.action}, ${row.target_type}, ${row.target_id},
                  ${row.item_count}, ${row.details}::jsonb)`,
    );
  }
}
