import { Injectable } from '@nestjs/common';
import { Caller, orgScope } from '../auth/roles';
import { DashboardRepository } from './dashboard.repository';
import { ActivityDto, DashboardStatsDto, RecentActivityDto, RecentActivityQueryDto } from './dashboard.dto';

@Injectable()
export class DashboardService {
  constructor(private readonly dashboard: DashboardRepository) {}

  /** Counts for the dashboard, all through RLS (organization roles count their own rows). */
  async stats(caller: Caller): Promise<DashboardStatsDto> {
    const org = orgScope(caller);
    const r = await this.dashboard.counts(org);
    const links = await this.dashboard.linksByStatus(org);
    const byStatus = { active: 0, expired: 0, used: 0, revoked: 0 };
    for (const l of links) byStatus[l.status as keyof typeof byStatus] = l.n;
    return {
      organizations: r.organizations,
      users: r.users,
      campaigns: r.campaigns,
      contacts: r.contacts,
      webhooks: { last_24h: r.webhooks_24h, last_7d: r.webhooks_7d, failed: r.webhooks_failed, pending: r.webhooks_pending },
      assignments: {
        campaign_assignments: r.campaign_assignments,
        contact_assignments: r.contact_assignments,
        unassigned_contacts: r.unassigned_contacts,
      },
      onboarding_links: byStatus,
    };
  }

  /** Webhook events and recorded actions, newest first. */
  async recentActivity(q: RecentActivityQueryDto, caller: Caller): Promise<RecentActivityDto> {
    const rows = await this.dashboard.recentActivity(orgScope(caller), q.limit, q.kind ?? null);
    const activities = rows.map((r): ActivityDto => ({
      kind: r.kind,
      id: r.id,
      created_at: r.created_at,
      organization_id: r.organization_id,
      action: r.action,
      actor_id: r.actor_id,
      actor_role: r.actor_role,
      item_count: r.item_count,
      details: r.details,
    }));
    return { activities, limit: q.limit };
  }
}
