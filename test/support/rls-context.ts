import type { Client } from 'pg';
import { RUNTIME_ROLE } from '../../src/database/data-source';
import { SET_CONTEXT_SQL } from '../../src/database/rls-context';

/**
 * Runs fn on a runtime-role connection inside a transaction under the given context, set with the
 * app's own context statement (without contextValues' checks, so a test can also try an empty or
 * unknown role); always rolled back, so tests can try writes freely.
 */
export async function inRlsContext<T>(
  client: Client,
  role: string,
  orgId: string | null,
  fn: () => Promise<T>,
  linkToken?: string,
): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(SET_CONTEXT_SQL, [RUNTIME_ROLE, role, orgId ?? '', '', linkToken ?? '']);
    return await fn();
  } finally {
    await client.query('ROLLBACK');
  }
}
