import { Injectable } from '@nestjs/common';
import { ActivityRepository } from './activity.repository';

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
  constructor(private readonly activity: ActivityRepository) {}

  async record(entry: ActivityEntry): Promise<void> {
    await this.activity.insert({
      organization_id: entry.organizationId,
      actor_id: entry.actorId,
      actor_role: entry.actorRole,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      item_count: entry.itemCount ?? 1,
      details: entry.details ?? {},
    });
  }
}
