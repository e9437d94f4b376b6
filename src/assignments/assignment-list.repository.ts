import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { Contact } from '../campaigns/contact.entity';
import { User } from '../users/user.entity';

/** The picker's rows and filter, shared by the page and its count. */
const CONTACT_FROM = sql`contact c LEFT JOIN user_contact_assignment a ON a.contact_id = c.id AND a.status = 'active'`;
const contactFilter = (f: ContactFilter) => sql`(${f.organizationId}::uuid IS NULL OR c.organization_id = ${f.organizationId})
  AND (${f.campaignId}::uuid IS NULL OR c.campaign_id = ${f.campaignId})
  AND (${f.searchPattern}::text IS NULL OR c.email ILIKE ${f.searchPattern} ESCAPE '\\' OR c.company ILIKE ${f.searchPattern} ESCAPE '\\'
       OR (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ILIKE ${f.searchPattern} ESCAPE '\\')
  AND (${f.assigned}::boolean IS NULL OR (a.id IS NOT NULL) = ${f.assigned})
  AND (${f.minLeadScore}::int IS NULL OR c.lead_score >= ${f.minLeadScore})`;

export interface ContactFilter {
  organizationId: string | null;
  campaignId: string | null;
  /** An ILIKE pattern (escaped by the caller) for email, company or name, or null. */
  searchPattern: string | null;
  assigned: boolean | null;
  minLeadScore: number | null;
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

/** A contact as the picker reads it: its columns and its active owner. */
export type ContactRow = Omit<Contact, 'organization' | 'campaign' | 'updated_at'> & { owner: ContactOwnerRow | null };

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

/** The assignment pages' reads: the picker's contacts, users with their counts, a user's assignments. */
@Injectable()
export class AssignmentListRepository {
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
}
