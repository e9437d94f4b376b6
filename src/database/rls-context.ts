import { EntityManager } from 'typeorm';
import { RUNTIME_ROLE } from './data-source';

export type ContextRole = 'sb_admin' | 'sb_operator' | 'owner' | 'admin' | 'member' | 'viewer' | 'system';

/** Who the database should treat the current transaction as. */
export interface RlsContext {
  role: ContextRole;
  orgId: string | null;
  userId: string | null;
}

export const SYSTEM_CONTEXT: RlsContext = { role: 'system', orgId: null, userId: null };

/**
 * The first statement of every transaction that touches tenant data: switch to the runtime role
 * and set the three variables the policies read, all transaction-local, in one round trip.
 * set_config('role', ...) is SET LOCAL ROLE in function form, so it can share the statement.
 */
export async function applyRlsContext(manager: EntityManager, ctx: RlsContext): Promise<void> {
  await manager.query(
    `SELECT set_config('role', $1, true), set_config('app.user_role', $2, true),
            set_config('app.current_org_id', $3, true), set_config('app.current_user_id', $4, true)`,
    [RUNTIME_ROLE, ctx.role, ctx.orgId ?? '', ctx.userId ?? ''],
  );
}
