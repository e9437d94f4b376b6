import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';

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

/** One entry of the activity feed: a webhook event or a recorded action. */
export interface ActivityRow {
  kind: 'webhook' | 'assignment' | 'onboarding' | 'admin_action' | 'system';
  id: string;
  created_at: Date;
  organization_id: string | null;
  action: string;
  actor_id: string | null;
  actor_role: string | null;
  item_count: number;
  details: Record<string, unknown>;
}

/** The dashboard's counts and feed, all through RLS; org narrows to one organization (null: all the caller sees). */
@Injectable()
export class DashboardRepository {
  constructor(private readonly db: Db) {}

  async counts(org: string | null): Promise<DashboardCounts> {
    const rows = await this.db.query<DashboardCounts>(sql`SELECT
         (SELECT count(*) FROM organization WHERE ${org}::uuid IS NULL OR id = ${org})::int AS organizations,
         (SELECT count(*) FROM "user" WHERE ${org}::uuid IS NULL OR organization_id = ${org})::int AS users,
         (SELECT count(*) FROM campaign WHERE ${org}::uuid IS NULL OR organization_id = ${org})::int AS campaigns,
         (SELECT count(*) FROM contact WHERE ${org}::uuid IS NULL OR organization_id = ${org})::int AS contacts,
         (SELECT count(*) FROM webhook_log WHERE (${org}::uuid IS NULL OR organization_id = ${org}) AND created_at >= now() - interval '24 hours')::int AS webhooks_24h,
         (SELECT count(*) FROM webhook_log WHERE (${org}::uuid IS NULL OR organization_id = ${org}) AND created_at >= now() - interval '7 days')::int AS webhooks_7d,
         (SELECT count(*) FROM webhook_log WHERE (${org}::uuid IS NULL OR organization_id = ${org}) AND status = 'failed')::int AS webhooks_failed,
         (SELECT count(*) FROM webhook_log WHERE (${org}::uuid IS NULL OR organization_id = ${org}) AND status = 'pending')::int AS webhooks_pending,
         (SELECT count(*) FROM user_campaign_assignment WHERE (${org}::uuid IS NULL OR organization_id = ${org}) AND status = 'active')::int AS campaign_assignments,
         (SELECT count(*) FROM user_contact_assignment WHERE (${org}::uuid IS NULL OR organization_id = ${org}) AND status = 'active')::int AS contact_assignments,
         (SELECT count(*) FROM contact c WHERE (${org}::uuid IS NULL OR c.organization_id = ${org})
             AND NOT EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = c.id AND a.status = 'active'))::int AS unassigned_contacts`);
    return rows[0];
  }

  linksByStatus(org: string | null): Promise<{ status: string; n: number }[]> {
    return this.db.query<{ status: string; n: number }>(
      sql`SELECT status, count(*)::int AS n FROM onboarding_link WHERE ${org}::uuid IS NULL OR organization_id = ${org} GROUP BY status`,
    );
  }

  /** Webhook events and recorded actions, newest first; kind narrows to one kind of entry. */
  recentActivity(org: string | null, limit: number, kind: string | null): Promise<ActivityRow[]> {
    return this.db.query<ActivityRow>(sql`SELECT * FROM (
         (SELECT 'webhook' AS kind, id, created_at, organization_id, event_type AS action, NULL::uuid AS actor_id, NULL::text AS actor_role,
                 1 AS item_count, jsonb_build_object('event_source', event_source, 'status', status, 'contact_email', contact_email,
                                                     'campaign_name', campaign_name) AS details
            FROM webhook_log WHERE (${org}::uuid IS NULL OR organization_id = ${org}) AND (${kind}::text IS NULL OR ${kind} = 'webhook')
           ORDER BY created_at DESC, id DESC LIMIT ${limit})
         UNION ALL
         (SELECT kind, id, created_at, organization_id, action, actor_id, actor_role, item_count,
                 details || jsonb_build_object('target_type', target_type, 'target_id', target_id) AS details
            FROM (SELECT *, CASE WHEN action LIKE 'assignment.%' THEN 'assignment' WHEN action LIKE 'onboarding.%' THEN 'onboarding'
                                 WHEN actor_role = 'system' THEN 'system' ELSE 'admin_action' END AS kind
                    FROM activity_log WHERE (${org}::uuid IS NULL OR organization_id = ${org})) a
           WHERE ${kind}::text IS NULL OR kind = ${kind}
           ORDER BY created_at DESC, id DESC LIMIT ${limit})
       ) feed ORDER BY created_at DESC, id DESC LIMIT ${limit}`);
  }
}
