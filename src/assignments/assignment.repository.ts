import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { User } from '../users/user.entity';

/** The picker's rows and filter, shared by the page and its count. */
const CONTACT_FROM = sql`contact c LEFT JOIN user_contact_assignment a ON a.contact_id = c.id AND a.status = 'active'`;
const contactFilter = (f: ContactFilter) => sql`(${f.organizationId}::uuid IS NULL OR c.organization_id = ${f.organizationId})
  AND (${f.campaignId}::uuid IS NULL OR c.campaign_id = ${f.campaignId})
  AND (${f.searchPattern}::text IS NULL OR c.email ILIKE ${f.searchPattern} ESCAPE '\\' OR c.company ILIKE ${f.searchPattern} ESCAPE '\\'
       OR (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ILIKE ${f.searchPattern} ESCAPE '\\')
  AND (${f.assigned}::boolean IS NULL OR (a.id IS NOT NULL) = ${f.assigned})
  AND (${f.minLeadScore}::int IS NULL OR c.lead_score >= ${f.minLeadScore})`;

/** The two soft removals: fixed SQL per kind, never assembled from input. */
const DEACTIVATE = {
  campaign: (userId: string, targetId: string) => sql`UPDATE user_campaign_assignment SET status = 'inactive', updated_at = now()
              WHERE user_id = ${userId} AND campaign_id = ${targetId} AND status = 'active' RETURNING organization_id`,
  contact: (userId: string, targetId: string) => sql`UPDATE user_contact_assignment SET status = 'inactive', updated_at = now()
             WHERE user_id = ${userId} AND contact_id = ${targetId} AND status = 'active' RETURNING organization_id`,
} as const;

export interface ContactFilter {
  organizationId: string | null;
  campaignId: string | null;
  /** An ILIKE pattern (escaped by the caller) for email, company or name, or null. */
  searchPattern: string | null;
  assigned: boolean | null;
  minLeadScore: number | null;
}

export interface CampaignGrant {
  role: string;
  canEdit: boolean;
  canViewStats: boolean;
  canManageContacts: boolean;
}

/** A contact's active owner, as the picker's statement builds it (jsonb). */
export interface ContactOwnerRow {
  user_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  assignment_type: string;
  assigned_at: string;
}

export interface ContactRow {
  id: string;
  organization_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  campaign_id: string | null;
  lead_score: number;
  lead_status: string | null;
  emails_sent: number;
  opens: number;
  clicks: number;
  replies: number;
  bounced: boolean;
  unsubscribed: boolean;
  last_event_at: Date | null;
  created_at: Date;
  owner: ContactOwnerRow | null;
}

export interface UserWithCountsRow {
  id: string;
  organization_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  role: User['role'];
  status: User['status'];
  created_at: Date;
  campaigns_count: number;
  contacts_count: number;
}

export interface CampaignAssignmentRow {
  assignment_id: string;
  campaign_id: string;
  campaign_name: string;
  campaign_status: string;
  role: string;
  can_edit: boolean;
  can_view_stats: boolean;
  can_manage_contacts: boolean;
  assigned_by: string | null;
  assigned_at: Date;
}

export interface ContactAssignmentRow {
  assignment_id: string;
  contact_id: string;
  contact_email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  lead_score: number;
  assignment_type: string;
  is_primary_owner: boolean;
  last_contacted_at: Date | null;
  next_followup_at: Date | null;
  interactions_count: number;
  assigned_by: string | null;
  assigned_at: Date;
}

export type TargetUser = Pick<User, 'id' | 'organization_id' | 'status'>;

/** Assignments of users to campaigns and of contacts to users; every list is one set-based statement. */
@Injectable()
export class AssignmentRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(User) private readonly userRows: Repository<User>,
  ) {}

  /** The assignment picker: contacts with their current owner, by lead score; and the number of matches. */
  async contactPage(f: ContactFilter, limit: number, offset: number): Promise<[ContactRow[], number]> {
    const rows = await this.db.query<ContactRow & { full_count: string }>(
      sql`SELECT c.id, c.organization_id, c.email, c.first_name, c.last_name, c.company, c.campaign_id, c.lead_score, c.lead_status,
              c.emails_sent, c.opens, c.clicks, c.replies, c.bounced, c.unsubscribed, c.last_event_at, c.created_at,
              CASE WHEN a.id IS NULL THEN NULL ELSE jsonb_build_object(
                'user_id', a.user_id, 'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name,
                'assignment_type', a.assignment_type, 'assigned_at', a.assigned_at) END AS owner,
              count(*) OVER () AS full_count
         FROM ${CONTACT_FROM}
         LEFT JOIN "user" u ON u.id = a.user_id
        WHERE ${contactFilter(f)}
        ORDER BY c.lead_score DESC, c.id
        LIMIT ${limit} OFFSET ${offset}`,
    );
    let total = rows.length ? Number(rows[0].full_count) : 0;
    if (!rows.length && offset > 0) {
      total =
        (await this.db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${CONTACT_FROM} WHERE ${contactFilter(f)}`))[0]?.n ?? 0;
    }
    return [rows.map(({ full_count: _, ...r }) => r), total];
  }

  /** Users with their active assignment counts, in one grouped query; and the number of users. */
  async userPage(org: string | null, limit: number, offset: number): Promise<[UserWithCountsRow[], number]> {
    const rows = await this.db.query<
      UserWithCountsRow & { full_count: string }
    >(sql`SELECT u.id, u.organization_id, u.email, u.first_name, u.last_name, u.role, u.status, u.created_at,
              coalesce(cc.n, 0) AS campaigns_count, coalesce(kc.n, 0) AS contacts_count, count(*) OVER () AS full_count
         FROM "user" u
         LEFT JOIN (SELECT user_id, count(*)::int AS n FROM user_campaign_assignment
                     WHERE status = 'active' AND (${org}::uuid IS NULL OR organization_id = ${org}) GROUP BY user_id) cc ON cc.user_id = u.id
         LEFT JOIN (SELECT user_id, count(*)::int AS n FROM user_contact_assignment
                     WHERE status = 'active' AND (${org}::uuid IS NULL OR organization_id = ${org}) GROUP BY user_id) kc ON kc.user_id = u.id
        WHERE (${org}::uuid IS NULL OR u.organization_id = ${org})
        ORDER BY u.created_at DESC, u.id
        LIMIT ${limit} OFFSET ${offset}`);
    // A page past the end has no row to carry the window count: count on its own then.
    const total = rows.length
      ? Number(rows[0].full_count)
      : await (await this.db.inTx(this.userRows)).count({ where: org ? { organization_id: org } : {} });
    return [rows.map(({ full_count: _, ...r }) => r), total];
  }

  campaignAssignments(userId: string): Promise<CampaignAssignmentRow[]> {
    return this.db
      .query<CampaignAssignmentRow>(sql`SELECT a.id AS assignment_id, a.campaign_id, c.name AS campaign_name, c.status AS campaign_status, a.role,
              a.can_edit, a.can_view_stats, a.can_manage_contacts, a.assigned_by, a.assigned_at
         FROM user_campaign_assignment a JOIN campaign c ON c.id = a.campaign_id
        WHERE a.user_id = ${userId} AND a.status = 'active' ORDER BY a.assigned_at DESC, a.id`);
  }

  contactAssignments(userId: string): Promise<ContactAssignmentRow[]> {
    return this.db
      .query<ContactAssignmentRow>(sql`SELECT a.id AS assignment_id, a.contact_id, c.email AS contact_email, c.first_name, c.last_name, c.company, c.lead_score,
              a.assignment_type, a.is_primary_owner, a.last_contacted_at, a.next_followup_at, a.interactions_count,
              a.assigned_by, a.assigned_at
         FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id
        WHERE a.user_id = ${userId} AND a.status = 'active' ORDER BY a.assigned_at DESC, a.id`);
  }

  /**
   * One statement: classify every id (its organization and status as the caller sees them),
   * upsert the campaigns of the user's organization that are not archived, and say which were.
   */
  assignCampaigns(
    campaignIds: string[],
    user: TargetUser,
    assignedBy: string,
    grant: CampaignGrant,
  ): Promise<{ id: string; org: string | null; status: string | null; assigned: boolean }[]> {
    return this.db.query(sql`WITH input AS (SELECT DISTINCT unnest(${campaignIds}::uuid[]) AS id),
       classified AS (
         SELECT i.id, c.organization_id AS org, c.status FROM input i LEFT JOIN campaign c ON c.id = i.id),
       ins AS (
         INSERT INTO user_campaign_assignment (user_id, campaign_id, organization_id, assigned_by, role, can_edit, can_view_stats,
                                               can_manage_contacts, status)
         SELECT ${user.id}, k.id, ${user.organization_id}, (SELECT id FROM "user" WHERE id = ${assignedBy}), ${grant.role}, ${grant.canEdit}, ${grant.canViewStats}, ${grant.canManageContacts}, 'active'
           FROM classified k WHERE k.org = ${user.organization_id} AND k.status <> 'archived'
         ON CONFLICT ON CONSTRAINT uq_user_campaign DO UPDATE SET
           role = EXCLUDED.role, can_edit = EXCLUDED.can_edit, can_view_stats = EXCLUDED.can_view_stats,
           can_manage_contacts = EXCLUDED.can_manage_contacts, status = 'active', assigned_by = EXCLUDED.assigned_by,
           assigned_at = now(), updated_at = now()
         RETURNING campaign_id)
       SELECT k.id, k.org, k.status, (k.id IN (SELECT campaign_id FROM ins)) AS assigned FROM classified k`);
  }

  /** Each distinct id with its contact's organization (null: not found or not visible). */
  contactOrganizations(contactIds: string[]): Promise<{ id: string; org: string | null }[]> {
    return this.db.query(
      sql`SELECT i.id, c.organization_id AS org FROM (SELECT DISTINCT unnest(${contactIds}::uuid[]) AS id) i LEFT JOIN contact c ON c.id = i.id`,
    );
  }

  /** Each distinct id with its organization, lead score and whether it has an active owner. */
  contactsToAutoAssign(contactIds: string[]): Promise<{ id: string; org: string | null; lead_score: number; owned: boolean }[]> {
    return this.db.query(sql`SELECT i.id, c.organization_id AS org, c.lead_score,
              EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = i.id AND a.status = 'active') AS owned
         FROM (SELECT DISTINCT unnest(${contactIds}::uuid[]) AS id) i LEFT JOIN contact c ON c.id = i.id`);
  }

  /** The organization's contacts in creation order, or only those without an active owner. */
  organizationContacts(orgId: string, onlyUnassigned: boolean): Promise<{ id: string; lead_score: number }[]> {
    return this.db.query(sql`SELECT c.id, c.lead_score FROM contact c
        WHERE c.organization_id = ${orgId}
          AND (${onlyUnassigned}::boolean IS FALSE OR NOT EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = c.id AND a.status = 'active'))
        ORDER BY c.created_at, c.id`);
  }

  /** The users an auto-assignment may pick (active owners, admins and members) with their current load. */
  userLoads(orgId: string): Promise<{ id: string; count: number; score_sum: number }[]> {
    return this.db.query(sql`SELECT u.id, count(a.id)::int AS count, coalesce(sum(c.lead_score), 0)::int AS score_sum
         FROM "user" u
         LEFT JOIN user_contact_assignment a ON a.user_id = u.id AND a.status = 'active'
         LEFT JOIN contact c ON c.id = a.contact_id
        WHERE u.organization_id = ${orgId} AND u.status = 'active' AND u.role IN ('member', 'admin', 'owner')
        GROUP BY u.id`);
  }

  /** The current active owners of contacts, with the contacts' lead scores. */
  currentOwners(contactIds: string[]): Promise<{ user_id: string; lead_score: number }[]> {
    return this.db.query(sql`SELECT a.user_id, c.lead_score FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id
        WHERE a.contact_id = ANY(${contactIds}::uuid[]) AND a.status = 'active'`);
  }

  /** Pairs contactIds[i] → userIds[i]: other active owners become transferred (when asked), then one upsert. */
  async writeContactAssignments(
    orgId: string,
    contactIds: string[],
    userIds: string[],
    type: string,
    assignedBy: string | null,
    transfer: boolean,
  ): Promise<void> {
    if (transfer) {
      await this.db.query(sql`UPDATE user_contact_assignment a SET status = 'transferred', updated_at = now()
           FROM unnest(${contactIds}::uuid[], ${userIds}::uuid[]) AS x(contact_id, user_id)
          WHERE a.contact_id = x.contact_id AND a.status = 'active' AND a.user_id <> x.user_id`);
    }
    await this.db
      .query(sql`INSERT INTO user_contact_assignment (user_id, contact_id, organization_id, assigned_by, assignment_type, is_primary_owner, status)
       SELECT x.user_id, x.contact_id, ${orgId}, (SELECT id FROM "user" WHERE id = ${assignedBy}), ${type}, true, 'active'
         FROM unnest(${contactIds}::uuid[], ${userIds}::uuid[]) AS x(contact_id, user_id)
       ON CONFLICT ON CONSTRAINT uq_user_contact DO UPDATE SET
         assignment_type = EXCLUDED.assignment_type, status = 'active', assigned_by = EXCLUDED.assigned_by,
         assigned_at = now(), updated_at = now()`);
  }

  /** Soft removal of an active assignment: its organization, or undefined when there is none. */
  async deactivate(kind: keyof typeof DEACTIVATE, userId: string, targetId: string): Promise<{ organization_id: string } | undefined> {
    return (await this.db.query<{ organization_id: string }>(DEACTIVATE[kind](userId, targetId)))[0];
  }

  /** The user as the caller sees it (RLS hides other tenants' users). */
  async targetUser(userId: string): Promise<TargetUser | null> {
    return (await this.db.inTx(this.userRows)).findOne({
      select: { id: true, organization_id: true, status: true },
      where: { id: userId },
    });
  }

  /** Serializes assignment writes per organization until the transaction ends. */
  async lockOrganization(orgId: string): Promise<void> {
    await this.db.query(sql`SELECT pg_advisory_xact_lock(hashtextextended('assignments:' || ${orgId}::text, 0))`);
  }
}
