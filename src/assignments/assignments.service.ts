import { Injectable } from '@nestjs/common';
import { randomInt } from 'crypto';
import { ActivityService } from '../activity/activity.service';
import { Caller, orgScope } from '../auth/roles';
import { AppError } from '../common/app-error';
import { MessageResultDto } from '../common/api-envelope';
import { containsPattern, toPage } from '../common/paging';
import { AutoAssignResultDto, CampaignAssignmentDto, ContactAssignmentDto, ContactDto, ContactPageDto, FailedItemDto, UserAssignmentsDto, UserPageDto, UserWithCountsDto } from './dto/assignment.response.dto';
import { Db } from '../database/db.service';
import { AssignCampaignsDto, AssignContactsDto, AutoAssignDto, ListContactsQueryDto, ListUsersQueryDto } from './dto/assignment.dto';
import { Assignment, assignByLeadScore, assignRoundRobin, ContactToAssign, UserLoad } from './strategies';

type FailedItem = FailedItemDto;

export interface AssignResult {
  success: true;
  success_count: number;
  failed_count: number;
  failed_items: FailedItem[];
}

/** Who acts: a token's subject, possibly platform staff who are not rows of "user". */
export interface Actor {
  userId: string | null;
  role: string;
}

interface TargetUser {
  id: string;
  organization_id: string;
  status: string;
}

/** The picker's rows and filter ($1..$5), shared by the page and its count. */
const CONTACT_FROM = `contact c LEFT JOIN user_contact_assignment a ON a.contact_id = c.id AND a.status = 'active'`;
const CONTACT_FILTER = `($1::uuid IS NULL OR c.organization_id = $1)
  AND ($2::uuid IS NULL OR c.campaign_id = $2)
  AND ($3::text IS NULL OR c.email ILIKE $3 ESCAPE '\\' OR c.company ILIKE $3 ESCAPE '\\'
       OR (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ILIKE $3 ESCAPE '\\')
  AND ($4::boolean IS NULL OR (a.id IS NOT NULL) = $4)
  AND ($5::int IS NULL OR c.lead_score >= $5)`;

/** The two soft removals; fixed SQL per kind, never assembled from input. */
const UNASSIGN = {
  campaign: {
    sql: `UPDATE user_campaign_assignment SET status = 'inactive', updated_at = now()
           WHERE user_id = $1 AND campaign_id = $2 AND status = 'active' RETURNING organization_id`,
    notFound: 'no active assignment of this user to this campaign',
    action: 'assignment.campaign_removed',
    key: 'campaign_id',
    message: 'User removed from campaign',
  },
  contact: {
    sql: `UPDATE user_contact_assignment SET status = 'inactive', updated_at = now()
           WHERE user_id = $1 AND contact_id = $2 AND status = 'active' RETURNING organization_id`,
    notFound: 'no active assignment of this contact to this user',
    action: 'assignment.contact_removed',
    key: 'contact_id',
    message: 'Contact removed from user',
  },
} as const;

@Injectable()
export class AssignmentsService {
  constructor(
    private readonly db: Db,
    private readonly activity: ActivityService,
  ) {}

  /** The assignment picker: contacts with their current owner. */
  async listContacts(q: ListContactsQueryDto, caller: Caller): Promise<ContactPageDto> {
    const params = [
      orgScope(caller, q.organization_id),
      q.campaign_id ?? null,
      q.search ? containsPattern(q.search) : null,
      q.assigned ?? null,
      q.min_lead_score ?? null,
      q.limit,
      q.offset,
    ];
    const rows = await this.db.query<ContactDto & { full_count: string }>(
      `SELECT c.id, c.organization_id, c.email, c.first_name, c.last_name, c.company, c.campaign_id, c.lead_score, c.lead_status,
              c.emails_sent, c.opens, c.clicks, c.replies, c.bounced, c.unsubscribed, c.last_event_at, c.created_at,
              CASE WHEN a.id IS NULL THEN NULL ELSE jsonb_build_object(
                'user_id', a.user_id, 'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name,
                'assignment_type', a.assignment_type, 'assigned_at', a.assigned_at) END AS owner,
              count(*) OVER () AS full_count
         FROM ${CONTACT_FROM}
         LEFT JOIN "user" u ON u.id = a.user_id
        WHERE ${CONTACT_FILTER}
        ORDER BY c.lead_score DESC, c.id
        LIMIT $6 OFFSET $7`,
      params,
    );
    let total = rows.length ? Number(rows[0].full_count) : 0;
    if (!rows.length && q.offset > 0) {
      const c = await this.db.one<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${CONTACT_FROM} WHERE ${CONTACT_FILTER}`,
        params.slice(0, 5),
      );
      total = c?.n ?? 0;
    }
    return toPage('contacts', rows.map(({ full_count: _, ...r }) => r), total, q.limit, q.offset);
  }

  /** Users with their active assignment counts, computed in one grouped query. */
  async listUsers(q: ListUsersQueryDto, caller: Caller): Promise<UserPageDto> {
    const org = orgScope(caller, q.organization_id);
    const rows = await this.db.query<UserWithCountsDto & { full_count: string }>(
      `SELECT u.id, u.organization_id, u.email, u.first_name, u.last_name, u.role, u.status, u.created_at,
              coalesce(cc.n, 0) AS campaigns_count, coalesce(kc.n, 0) AS contacts_count, count(*) OVER () AS full_count
         FROM "user" u
         LEFT JOIN (SELECT user_id, count(*)::int AS n FROM user_campaign_assignment
                     WHERE status = 'active' AND ($1::uuid IS NULL OR organization_id = $1) GROUP BY user_id) cc ON cc.user_id = u.id
         LEFT JOIN (SELECT user_id, count(*)::int AS n FROM user_contact_assignment
                     WHERE status = 'active' AND ($1::uuid IS NULL OR organization_id = $1) GROUP BY user_id) kc ON kc.user_id = u.id
        WHERE ($1::uuid IS NULL OR u.organization_id = $1)
        ORDER BY u.created_at DESC, u.id
        LIMIT $2 OFFSET $3`,
      [org, q.limit, q.offset],
    );
    // A page past the end has no row to carry the window count: count on its own then.
    const total = rows.length
      ? Number(rows[0].full_count)
      : Number((await this.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM "user" WHERE ($1::uuid IS NULL OR organization_id = $1)`, [org]))?.n ?? 0);
    return toPage('users', rows.map(({ full_count: _, ...r }) => r), total, q.limit, q.offset);
  }

  async userAssignments(userId: string): Promise<UserAssignmentsDto> {
    await this.targetUser(userId, false);
    const campaigns = await this.db.query<CampaignAssignmentDto>(
      `SELECT a.id AS assignment_id, a.campaign_id, c.name AS campaign_name, c.status AS campaign_status, a.role,
              a.can_edit, a.can_view_stats, a.can_manage_contacts, a.assigned_by, a.assigned_at
         FROM user_campaign_assignment a JOIN campaign c ON c.id = a.campaign_id
        WHERE a.user_id = $1 AND a.status = 'active' ORDER BY a.assigned_at DESC, a.id`,
      [userId],
    );
    const contacts = await this.db.query<ContactAssignmentDto>(
      `SELECT a.id AS assignment_id, a.contact_id, c.email AS contact_email, c.first_name, c.last_name, c.company, c.lead_score,
              a.assignment_type, a.is_primary_owner, a.last_contacted_at, a.next_followup_at, a.interactions_count,
              a.assigned_by, a.assigned_at
         FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id
        WHERE a.user_id = $1 AND a.status = 'active' ORDER BY a.assigned_at DESC, a.id`,
      [userId],
    );
    return { campaigns, contacts, campaigns_count: campaigns.length, contacts_count: contacts.length };
  }

  /** One statement: classify every id, upsert the valid ones, report the rest with a reason. */
  async assignCampaigns(userId: string, dto: AssignCampaignsDto, caller: Caller): Promise<AssignResult> {
    const user = await this.targetUser(userId, true);
    const rows = await this.db.query<{ id: string; org: string | null; status: string | null; assigned: boolean }>(
      `WITH input AS (SELECT DISTINCT unnest($1::uuid[]) AS id),
       classified AS (
         SELECT i.id, c.organization_id AS org, c.status FROM input i LEFT JOIN campaign c ON c.id = i.id),
       ins AS (
         INSERT INTO user_campaign_assignment (user_id, campaign_id, organization_id, assigned_by, role, can_edit, can_view_stats,
                                               can_manage_contacts, status)
         SELECT $2, k.id, $3, (SELECT id FROM "user" WHERE id = $4), $5, $6, $7, $8, 'active'
           FROM classified k WHERE k.org = $3 AND k.status <> 'archived'
         ON CONFLICT ON CONSTRAINT uq_user_campaign DO UPDATE SET
           role = EXCLUDED.role, can_edit = EXCLUDED.can_edit, can_view_stats = EXCLUDED.can_view_stats,
           can_manage_contacts = EXCLUDED.can_manage_contacts, status = 'active', assigned_by = EXCLUDED.assigned_by,
           assigned_at = now(), updated_at = now()
         RETURNING campaign_id)
       SELECT k.id, k.org, k.status, (k.id IN (SELECT campaign_id FROM ins)) AS assigned FROM classified k`,
      [dto.campaign_ids, user.id, user.organization_id, caller.userId, dto.role ?? 'member', dto.can_edit ?? false, dto.can_view_stats ?? true, dto.can_manage_contacts ?? false],
    );
    const failed: FailedItem[] = [];
    let ok = 0;
    for (const r of rows) {
      if (r.assigned) ok++;
      else failed.push({ id: r.id, reason: !r.org ? 'campaign not found' : r.org !== user.organization_id ? 'campaign belongs to another organization' : 'campaign is archived' });
    }
    await this.record('assignment.campaigns_assigned', user, caller, ok, { user_id: user.id, failed: failed.length });
    return { success: true, success_count: ok, failed_count: failed.length, failed_items: failed };
  }

  /**
   * A contact has one active owner: assigning it here transfers it from whoever had it. Serialized
   * per organization with auto-assignment so counts stay consistent.
   */
  async assignContacts(userId: string, dto: AssignContactsDto, caller: Caller): Promise<AssignResult> {
    const user = await this.targetUser(userId, true);
    await this.lockOrganization(user.organization_id);
    const rows = await this.db.query<{ id: string; org: string | null }>(
      `SELECT i.id, c.organization_id AS org FROM (SELECT DISTINCT unnest($1::uuid[]) AS id) i LEFT JOIN contact c ON c.id = i.id`,
      [dto.contact_ids],
    );
    const failed: FailedItem[] = [];
    const valid: string[] = [];
    for (const r of rows) {
      if (!r.org) failed.push({ id: r.id, reason: 'contact not found' });
      else if (r.org !== user.organization_id) failed.push({ id: r.id, reason: 'contact belongs to another organization' });
      else valid.push(r.id);
    }
    if (valid.length) {
      await this.writeContactAssignments(user.organization_id, valid.map((contactId) => ({ contactId, userId: user.id })), dto.assignment_type ?? 'manual', caller.userId, true);
    }
    await this.record('assignment.contacts_assigned', user, caller, valid.length, { user_id: user.id, failed: failed.length });
    return { success: true, success_count: valid.length, failed_count: failed.length, failed_items: failed };
  }

  unassignCampaign(userId: string, campaignId: string, caller: Caller): Promise<MessageResultDto> {
    return this.softRemove(UNASSIGN.campaign, userId, campaignId, caller);
  }

  unassignContact(userId: string, contactId: string, caller: Caller): Promise<MessageResultDto> {
    return this.softRemove(UNASSIGN.contact, userId, contactId, caller);
  }

  /** Soft delete: the assignment becomes inactive; 404 when there is no active one. */
  private async softRemove(kind: (typeof UNASSIGN)[keyof typeof UNASSIGN], userId: string, targetId: string, caller: Caller) {
    const r = await this.db.one<{ organization_id: string }>(kind.sql, [userId, targetId]);
    if (!r) throw AppError.notFound(kind.notFound);
    await this.record(kind.action, { id: userId, organization_id: r.organization_id }, caller, 1, { user_id: userId, [kind.key]: targetId });
    return { success: true as const, message: kind.message };
  }

  async autoAssign(dto: AutoAssignDto, actor: Actor, orgId = dto.organization_id): Promise<AutoAssignResultDto> {
    const org = await this.db.one(`SELECT id FROM organization WHERE id = $1`, [orgId]);
    if (!org) throw AppError.notFound(`organization ${orgId} not found`);
    await this.lockOrganization(orgId);
    const onlyUnassigned = dto.only_unassigned ?? true;
    const users = (
      await this.db.query<{ id: string; count: number; score_sum: number }>(
        `SELECT u.id, count(a.id)::int AS count, coalesce(sum(c.lead_score), 0)::int AS score_sum
           FROM "user" u
           LEFT JOIN user_contact_assignment a ON a.user_id = u.id AND a.status = 'active'
           LEFT JOIN contact c ON c.id = a.contact_id
          WHERE u.organization_id = $1 AND u.status = 'active' AND u.role IN ('member', 'admin', 'owner')
          GROUP BY u.id`,
        [orgId],
      )
    ).map<UserLoad>((u) => ({ userId: u.id, count: u.count, scoreSum: u.score_sum }));

    const failed: FailedItem[] = [];
    let skipped = 0;
    let contacts: ContactToAssign[];
    if (dto.contact_ids) {
      const rows = await this.db.query<{ id: string; org: string | null; lead_score: number; owned: boolean }>(
        `SELECT i.id, c.organization_id AS org, c.lead_score,
                EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = i.id AND a.status = 'active') AS owned
           FROM (SELECT DISTINCT unnest($1::uuid[]) AS id) i LEFT JOIN contact c ON c.id = i.id`,
        [dto.contact_ids],
      );
      contacts = [];
      for (const r of rows) {
        if (!r.org) failed.push({ id: r.id, reason: 'contact not found' });
        else if (r.org !== orgId) failed.push({ id: r.id, reason: 'contact belongs to another organization' });
        else if (onlyUnassigned && r.owned) skipped++;
        else contacts.push({ contactId: r.id, leadScore: r.lead_score });
      }
    } else {
      contacts = (
        await this.db.query<{ id: string; lead_score: number }>(
          `SELECT c.id, c.lead_score FROM contact c
            WHERE c.organization_id = $1
              AND ($2::boolean IS FALSE OR NOT EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = c.id AND a.status = 'active'))
            ORDER BY c.created_at, c.id`,
          [orgId, onlyUnassigned],
        )
      ).map((c) => ({ contactId: c.id, leadScore: c.lead_score }));
    }

    if (!onlyUnassigned && contacts.length) {
      // Re-balancing: the contacts' current owners give them up before the strategy runs.
      const ids = contacts.map((c) => c.contactId);
      const moved = await this.db.query<{ user_id: string; lead_score: number }>(
        `SELECT a.user_id, c.lead_score FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id
          WHERE a.contact_id = ANY($1::uuid[]) AND a.status = 'active'`,
        [ids],
      );
      for (const m of moved) {
        const u = users.find((x) => x.userId === m.user_id);
        if (u) {
          u.count--;
          u.scoreSum -= m.lead_score;
        }
      }
    }

    let assignments: Assignment[] = [];
    if (users.length && contacts.length) {
      const ranks = new Map(users.map((u) => [u.userId, randomInt(1_000_000)]));
      assignments = dto.strategy === 'round_robin' ? assignRoundRobin(users, contacts, (id) => ranks.get(id)!) : assignByLeadScore(users, contacts);
      await this.writeContactAssignments(orgId, assignments, dto.strategy, actor.userId, !onlyUnassigned);
    }
    if (assignments.length) {
      await this.activity.record({
        action: 'assignment.auto_assigned',
        organizationId: orgId,
        actorId: actor.userId,
        actorRole: actor.role,
        targetType: 'contact',
        itemCount: assignments.length,
        details: { strategy: dto.strategy, users: users.length },
      });
    }
    return {
      organization_id: orgId,
      strategy: dto.strategy,
      assigned_count: assignments.length,
      skipped_count: skipped,
      failed_count: failed.length,
      failed_items: failed,
      eligible_users: users.length,
      assignments: assignments.map((a) => ({ contact_id: a.contactId, user_id: a.userId })),
      ...(users.length ? {} : { message: 'the organization has no active owner, admin or member to assign to' }),
    };
  }

  /** Webhook processing: a contact first seen in an organization that auto-assigns. */
  async assignNewContact(contactId: string, organizationId: string, strategy: string): Promise<void> {
    if (strategy !== 'round_robin' && strategy !== 'lead_score') return;
    await this.autoAssign({ organization_id: organizationId, strategy, contact_ids: [contactId], only_unassigned: true }, { userId: null, role: 'system' });
  }

  /** Transfer (when asked) and upsert, as two set-based statements for the whole list. */
  private async writeContactAssignments(orgId: string, list: Assignment[], type: string, assignedBy: string | null, transfer: boolean): Promise<void> {
    const contactIds = list.map((a) => a.contactId);
    const userIds = list.map((a) => a.userId);
    if (transfer) {
      await this.db.query(
        `UPDATE user_contact_assignment a SET status = 'transferred', updated_at = now()
           FROM unnest($1::uuid[], $2::uuid[]) AS x(contact_id, user_id)
          WHERE a.contact_id = x.contact_id AND a.status = 'active' AND a.user_id <> x.user_id`,
        [contactIds, userIds],
      );
    }
    await this.db.query(
      `INSERT INTO user_contact_assignment (user_id, contact_id, organization_id, assigned_by, assignment_type, is_primary_owner, status)
       SELECT x.user_id, x.contact_id, $3, (SELECT id FROM "user" WHERE id = $4), $5, true, 'active'
         FROM unnest($1::uuid[], $2::uuid[]) AS x(contact_id, user_id)
       ON CONFLICT ON CONSTRAINT uq_user_contact DO UPDATE SET
         assignment_type = EXCLUDED.assignment_type, status = 'active', assigned_by = EXCLUDED.assigned_by,
         assigned_at = now(), updated_at = now()`,
      [contactIds, userIds, orgId, assignedBy, type],
    );
  }

  /** The target user decides the organization; RLS hides other tenants' users (404). */
  private async targetUser(userId: string, mustBeActive: boolean): Promise<TargetUser> {
    const user = await this.db.one<TargetUser>(`SELECT id, organization_id, status FROM "user" WHERE id = $1`, [userId]);
    if (!user) throw AppError.notFound(`user ${userId} not found`);
    if (mustBeActive && user.status !== 'active') throw AppError.conflict(`user ${userId} is inactive`);
    return user;
  }

  /** Serializes assignment writes per organization until the transaction ends. */
  private async lockOrganization(orgId: string): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtextextended('assignments:' || $1::text, 0))`, [orgId]);
  }

  private async record(action: string, user: { id: string; organization_id: string }, caller: Caller, count: number, details: Record<string, unknown>) {
    await this.activity.record({
      action,
      organizationId: user.organization_id,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'user',
      targetId: user.id,
      itemCount: count,
      details,
    });
  }
}
