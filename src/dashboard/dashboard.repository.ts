import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { ActivityDto } from './dashboard.dto';

export interface DashboardCounts {
  organizations: number;
  users: number;
  campaigns: number;
  contacts: number;
  webhooks_24h: number;
  webhooks_7d: number;
  webhooks_failed: number;
  webhooks_pending: number;
  campaign_assignments: number;
  contact_assignments: number;
  unassigned_contacts: number;
}

/** The dashboard's counts and feed, all through RLS; $1 narrows to one organization (NULL: all the caller sees). */
@Injectable()
export class DashboardRepository {
  constructor(private readonly db: Db) {}

  async counts(org: string | null): Promise<DashboardCounts> {
    const rows = await this.db.query<DashboardCounts>(
      `SELECT
         (SELECT count(*) FROM organization WHERE $1::uuid IS NULL OR id = $1)::int AS organizations,
         (SELECT count(*) FROM "user" WHERE $1::uuid IS NULL OR organization_id = $1)::int AS users,
         (SELECT count(*) FROM campaign WHERE $1::uuid IS NULL OR organization_id = $1)::int AS campaigns,
         (SELECT count(*) FROM contact WHERE $1::uuid IS NULL OR organization_id = $1)::int AS contacts,
         (SELECT count(*) FROM webhook_log WHERE ($1::uuid IS NULL OR organization_id = $1) AND created_at >= now() - interval '24 hours')::int AS webhooks_24h,
         (SELECT count(*) FROM webhook_log WHERE ($1::uuid IS NULL OR organization_id = $1) AND created_at >= now() - interval '7 days')::int AS webhooks_7d,
         (SELECT count(*) FROM webhook_log WHERE ($1::uuid IS NULL OR organization_id = $1) AND status = 'failed')::int AS webhooks_failed,
         (SELECT count(*) FROM webhook_log WHERE ($1::uuid IS NULL OR organization_id = $1) AND status = 'pending')::int AS webhooks_pending,
         (SELECT count(*) FROM user_campaign_assignment WHERE ($1::uuid IS NULL OR organization_id = $1) AND status = 'active')::int AS campaign_assignments,
         (SELECT count(*) FROM user_contact_assignment WHERE ($1::uuid IS NULL OR organization_id = $1) AND status = 'active')::int AS contact_assignments,
         (SELECT count(*) FROM contact c WHERE ($1::uuid IS NULL OR c.organization_id = $1)
             AND NOT EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = c.id AND a.status = 'active'))::int AS unassigned_contacts`,
      [org],
    );
    return rows[0];
  }

  linksByStatus(org: string | null): Promise<{ status: string; n: number }[]> {
    return this.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM onboarding_link WHERE $1::uuid IS NULL OR organization_id = $1 GROUP BY status`,
      [org],
    );
  }

  /** Webhook events and recorded actions, newest first; kind narrows to one kind of entry. */
  recentActivity(org: string | null, limit: number, kind: string | null): Promise<ActivityDto[]> {
    return this.db.query<ActivityDto>(
      `SELECT * FROM (
         (SELECT 'webhook' AS kind, id, created_at, organization_id, event_type AS action, NULL::uuid AS actor_id, NULL::text AS actor_role,
                 1 AS item_count, jsonb_build_object('event_source', event_source, 'status', status, 'contact_email', contact_email,
                                                     'campaign_name', campaign_name) AS details
            FROM webhook_log WHERE ($1::uuid IS NULL OR organization_id = $1) AND ($3::text IS NULL OR $3 = 'webhook')
           ORDER BY created_at DESC, id DESC LIMIT $2)
         UNION ALL
         (SELECT kind, id, created_at, organization_id, action, actor_id, actor_role, item_count,
                 details || jsonb_build_object('target_type', target_type, 'target_id', target_id) AS details
            FROM (SELECT *, CASE WHEN action LIKE 'assignment.%' THEN 'assignment' WHEN action LIKE 'onboarding.%' THEN 'onboarding'
                                 WHEN actor_role = 'system' THEN 'system' ELSE 'admin_action' END AS kind
                    FROM activity_log WHERE ($1::uuid IS NULL OR organization_id = $1)) a
           WHERE $3::text IS NULL OR kind = $3
           ORDER BY created_at DESC, id DESC LIMIT $2)
       ) feed ORDER BY created_at DESC, id DESC LIMIT $2`,
      [org, limit, kind],
    );
  }
}
