import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';

export interface ActivityEntry {
  action: string;
  organizationId: string | null;
  actorId: string | null;
  actorRole: string;
  targetType?: string;
  targetId?: string | null;
  itemCount?: number;
  details?: Record<string, unknown>;
}

/**
 * Records who did what and to how many, in the caller's transaction: if the action rolls back,
 * so does its record.
 */
@Injectable()
export class ActivityService {
  constructor(private readonly db: Db) {}

  async record(entry: ActivityEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO activity_log (organization_id, actor_id, actor_role, action, target_type, target_id, item_count, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      [
        entry.organizationId,
        entry.actorId,
        entry.actorRole,
        entry.action,
        entry.targetType ?? null,
        entry.targetId ?? null,
        entry.itemCount ?? 1,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }
}
