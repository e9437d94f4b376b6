import { Injectable } from '@nestjs/common';
import { Caller, orgScope } from '../auth/roles';
import { Db } from '../database/db.service';
import { ActivityDto, DashboardStatsDto, RecentActivityDto, RecentActivityQueryDto } from './dashboard.dto';

@Injectable()
export class DashboardService {
  constructor(private readonly db: Db) {}

  /** Counts for the dashboard, all through RLS (organization roles count their own rows). */
  async stats(caller: Caller): Promise<DashboardStatsDto> {
    const org = orgScope(caller);
    const r = await this.db.one<Record<string, number>>(
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
    const links = await this.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM onboarding_link WHERE $1::uuid IS NULL OR organization_id = $1 GROUP BY status`,
      [org],
    );
    const byStatus = { active: 0, expired: 0, used: 0, revoked: 0 };
    for (const l of links) byStatus[l.status as keyof typeof byStatus] = l.n;
    return {
      organizations: r!.organizations,
      users: r!.users,
      campaigns: r!.campaigns,
      contacts: r!.contacts,
      webhooks: { last_24h: r!.webhooks_24h, last_7d: r!.webhooks_7d, failed: r!.webhooks_failed, pending: r!.webhooks_pending },
      assignments: { campaign_assignments: r!.campaign_assignments, contact_assignments: r!.contact_assignments, unassigned_contacts: r!.unassigned_contacts },
      onboarding_links: byStatus,
    };
  }

  /** Webhook events and recorded actions, newest first. */
  async recentActivity(q: RecentActivityQueryDto, caller: Caller): Promise<RecentActivityDto> {
    const rows = await this.db.query<ActivityDto>(
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
      [orgScope(caller), q.limit, q.kind ?? null],
    );
    return { activities: rows, limit: q.limit };
  }
}
