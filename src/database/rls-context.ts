import { UUID_RE } from '../auth/jwt';
import type { Caller } from '../auth/roles';
import { RUNTIME_ROLE } from './data-source';

export type ContextRole = 'sb_admin' | 'sb_operator' | 'owner' | 'admin' | 'member' | 'viewer' | 'system' | 'anonymous' | 'link_holder';

/** Who the database should treat the current transaction as. */
export interface RlsContext {
  role: ContextRole;
  orgId: string | null;
  userId: string | null;
  /** Only for `link_holder`: the onboarding token the public caller presented. */
  linkToken?: string;
}

export const SYSTEM_CONTEXT: RlsContext = { role: 'system', orgId: null, userId: null };
/** What the database sees of an authenticated caller. */
export function contextOf(caller: Caller): RlsContext {
  return { role: caller.role, orgId: caller.orgId, userId: caller.userId };
}

/** Public routes without a caller: matches no policy. */
export const ANONYMOUS_CONTEXT: RlsContext = { role: 'anonymous', orgId: null, userId: null };

const ROLE_RE = /^[a-z_]{1,20}$/;
export const LINK_TOKEN_RE = /^[A-Za-z0-9_-]{16,100}$/;

/** The transaction's context: switch to the runtime role, set what the policies read ($1..$5 of contextValues). */
export const SET_CONTEXT_SQL =
  `SELECT set_config('role', $1, true), set_config('app.user_role', $2, true), set_config('app.current_org_id', $3, true), ` +
  `set_config('app.current_user_id', $4, true), set_config('app.link_token', $5, true)`;

/**
 * The same context for a transaction that is one read statement (SingleReadStatement routes):
 * also read-only, so a write slipped into such a route fails instead of committing on its own.
 */
export const SET_READ_ONLY_CONTEXT_SQL = `${SET_CONTEXT_SQL}, set_config('transaction_read_only', 'on', true)`;

/**
 * The bind values of SET_CONTEXT_SQL for ctx: the runtime role (set_config('role') is SET LOCAL
 * ROLE in function form) and the variables the policies read, all set transaction-local so nothing
 * survives into the next use of the pooled connection. Each value is checked against a strict
 * pattern; anything else throws, before a connection is taken.
 */
export function contextValues(ctx: RlsContext): string[] {
  if (!ROLE_RE.test(ctx.role)) throw new Error('invalid role for an RLS context');
  if (ctx.orgId !== null && !UUID_RE.test(ctx.orgId)) throw new Error('invalid organization id for an RLS context');
  if (ctx.userId !== null && !UUID_RE.test(ctx.userId)) throw new Error('invalid user id for an RLS context');
  if (ctx.linkToken !== undefined && !LINK_TOKEN_RE.test(ctx.linkToken)) throw new Error('invalid link token for an RLS context');
  return [RUNTIME_ROLE, ctx.role, ctx.orgId ?? '', ctx.userId ?? '', ctx.linkToken ?? ''];
}
