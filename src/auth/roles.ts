/** Roles a token may carry. `system` is internal and never accepted from a token. */
export const TOKEN_ROLES = ['sb_admin', 'sb_operator', 'owner', 'admin', 'member', 'viewer'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const PLATFORM_ROLES: readonly TokenRole[] = ['sb_admin', 'sb_operator'];
export const ORG_ROLES: readonly TokenRole[] = ['owner', 'admin', 'member', 'viewer'];

/** Named groups used by routes, as in the contract's table. */
export const RoleGroups = {
  anyAdmin: TOKEN_ROLES,
  platform: PLATFORM_ROLES,
  sbAdmin: ['sb_admin'] as readonly TokenRole[],
  managers: ['sb_admin', 'sb_operator', 'owner', 'admin'] as readonly TokenRole[],
  readers: ['sb_admin', 'sb_operator', 'owner', 'admin', 'member'] as readonly TokenRole[],
} as const;

export interface Caller {
  userId: string;
  role: TokenRole;
  /** Null for platform staff without an organization claim. */
  orgId: string | null;
}

export function isPlatform(role: string): boolean {
  return role === 'sb_admin' || role === 'sb_operator';
}

/**
 * The organization a list should be narrowed to. RLS already hides other tenants' rows; also
 * naming the caller's organization in the WHERE lets PostgreSQL use the per-organization indexes
 * instead of filtering every row through the policies.
 */
export function orgScope(caller: Caller, requested?: string | null): string | null {
  if (requested) return requested;
  return isPlatform(caller.role) ? null : caller.orgId;
}
