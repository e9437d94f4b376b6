import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Raw, Repository } from 'typeorm';
import { SubjectStanding } from '../auth/caller-standing';
import { Db, RowRepository } from '../database/db.service';
import { sql } from '../database/sql';
import { User } from './user.entity';

export type UserChanges = Partial<Pick<User, 'first_name' | 'last_name' | 'role' | 'status'>>;

/** "user"'s rows for the users module. */
@Injectable()
export class UserRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(User) private readonly userRows: Repository<User>,
  ) {}

  private readonly users = (): Promise<RowRepository<User>> => this.db.inTx(this.userRows);

  /** Emails are unique per organization, case-insensitively (uq_user_org_email). */
  async emailTaken(organizationId: string, email: string): Promise<boolean> {
    return (await this.users()).exists({
      where: { organization_id: organizationId, email: Raw((column) => `lower(${column}) = lower(:email)`, { email }) },
    });
  }

  async create(row: Pick<User, 'organization_id' | 'email' | 'first_name' | 'last_name' | 'role'>): Promise<User> {
    const users = await this.users();
    const user = users.create(row);
    await users.insert(user);
    return user;
  }

  /** The user, if the caller may see it (RLS). */
  async byId(id: string): Promise<User | null> {
    return (await this.users()).findOneBy({ id });
  }

  async update(id: string, changes: UserChanges): Promise<User | null> {
    if (Object.keys(changes).length > 0) await (await this.users()).update({ id }, { ...changes, updated_at: () => 'now()' });
    return this.byId(id);
  }

  /**
   * Serializes the changes that could leave an organization without an active owner, until the
   * transaction ends: two admins' concurrent removals of its two owners cannot both pass the check.
   */
  async lockOwners(organizationId: string): Promise<void> {
    await this.db.query(sql`SELECT pg_advisory_xact_lock(hashtextextended('organization-owners:' || ${organizationId}::text, 0))`);
  }

  /** Active owners of the organization other than `exceptId`. */
  async otherActiveOwners(organizationId: string, exceptId: string): Promise<number> {
    return (await this.users()).countBy({
      organization_id: organizationId,
      role: 'owner',
      status: 'active',
      id: Raw((column) => `${column} <> :exceptId`, { exceptId }),
    });
  }

  /**
   * Deletes the user and their campaign and contact assignments in one statement (the foreign keys
   * would cascade too; deleting them here counts them). A trigger keeps the id in removed_user.
   */
  async remove(id: string): Promise<{ removed: boolean; campaigns: number; contacts: number }> {
    const row = await this.db.one<{
      removed: number;
      campaigns: number;
      contacts: number;
    }>(sql`WITH campaigns AS (DELETE FROM user_campaign_assignment WHERE user_id = ${id} RETURNING 1),
            contacts AS (DELETE FROM user_contact_assignment WHERE user_id = ${id} RETURNING 1),
            removed AS (DELETE FROM "user" WHERE id = ${id} RETURNING 1)
       SELECT (SELECT count(*) FROM removed)::int AS removed, (SELECT count(*) FROM campaigns)::int AS campaigns,
              (SELECT count(*) FROM contacts)::int AS contacts`);
    return { removed: (row?.removed ?? 0) > 0, campaigns: row?.campaigns ?? 0, contacts: row?.contacts ?? 0 };
  }

  /** A token subject's standing, through token_subject_standing() (migration Lifecycle). */
  async standing(organizationId: string, userId: string): Promise<SubjectStanding> {
    const row = await this.db.one<{ organization_status: string | null; user_state: string | null }>(
      sql`SELECT organization_status, user_state FROM token_subject_standing(${organizationId}, ${userId})`,
    );
    return { organizationStatus: row?.organization_status ?? null, userState: row?.user_state ?? null };
  }
}
