import { AppError } from '../common/app-error';
import { Caller, isPlatform } from './roles';

/** What the database says of a token's organization and user (token_subject_standing). */
export interface SubjectStanding {
  /** The organization's status, or null if there is no such organization. */
  organizationStatus: string | null;
  /** 'active', 'inactive', 'removed', 'other_organization', or null: never a user here. */
  userState: string | null;
}

/** Reads a token subject's standing; provided by the users module (it owns the tables). */
export interface StandingSource {
  standing(organizationId: string, userId: string): Promise<SubjectStanding>;
}

interface Cached {
  at: number;
  value: Promise<SubjectStanding>;
}

/** Entries at most; beyond, the cache starts again (each caller then costs one read per ttl). */
const MAX_ENTRIES = 50_000;

/**
 * Whether an organization role's token may still act: its organization is not suspended, and its
 * subject is not a user of the organization who was made inactive or removed. A subject that was
 * never a user here (tokens minted by the identity provider for people the portal does not list)
 * keeps working, as before. Read once per (organization, user) per `ttlMs`, so a change shows on
 * every instance within that time, and at once on the instance that made it (forget*).
 * Platform roles are not checked: they manage suspended organizations.
 */
export class CallerStanding {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly source: StandingSource,
    private readonly ttlMs: number,
  ) {}

  async check(caller: Caller): Promise<void> {
    if (isPlatform(caller.role) || !caller.orgId) return;
    const s = await this.lookup(caller.orgId, caller.userId);
    if (s.userState === 'inactive') throw AppError.unauthorized('the token’s user is inactive');
    if (s.userState === 'removed') throw AppError.unauthorized('the token’s user was removed');
    if (s.userState === 'other_organization') throw AppError.unauthorized('the token’s user belongs to another organization');
    if (s.organizationStatus === 'suspended') {
      throw AppError.forbidden(`organization ${caller.orgId} is suspended; a platform administrator can reactivate it`);
    }
  }

  forgetOrganization(organizationId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${organizationId}:`)) this.cache.delete(key);
  }

  forgetUser(userId: string): void {
    for (const key of this.cache.keys()) if (key.endsWith(`:${userId}`)) this.cache.delete(key);
  }

  private lookup(organizationId: string, userId: string): Promise<SubjectStanding> {
    const key = `${organizationId}:${userId}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    // Concurrent requests of one caller share the read; a failed read is not kept.
    const value = this.source.standing(organizationId, userId);
    this.cache.set(key, { at: now, value });
    value.catch(() => this.cache.get(key)?.value === value && this.cache.delete(key));
    return value;
  }
}
