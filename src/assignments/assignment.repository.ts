import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { User } from '../users/user.entity';

/** The two soft removals: fixed SQL per kind, never assembled from input. */
const DEACTIVATE = {
  campaign: (userId: string, targetId: string) => sql`UPDATE user_campaign_assignment SET status = 'inactive', updated_at = now()
              WHERE user_id = ${userId} AND campaign_id = ${targetId} AND status = 'active' RETURNING organization_id`,
  contact: (userId: string, targetId: string) => sql`UPDATE user_contact_assignment SET status = 'inactive', updated_at = now()
             WHERE user_id = ${userId} AND contact_id = ${targetId} AND status = 'active' RETURNING organization_id`,
} as const;

export interface CampaignGrant {
  role: string;
  canEdit: boolean;
  canViewStats: boolean;
  canManageContacts: boolean;
}

export type TargetUser = Pick<User, 'id' | 'organization_id' | 'status'>;

/** Assignments of users to campaigns and of contacts to users: each write one set-based statement, and the reads that decide them. */
@Injectable()
export class AssignmentRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(User) private readonly userRows: Repository<User>,
  ) {}

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
