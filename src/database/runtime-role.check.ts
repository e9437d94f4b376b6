import { DataSource } from 'typeorm';
import { SYSTEM_CONTEXT } from './rls-context';
import { runInRlsTransaction } from './rls-transactional.adapter';

/**
 * Refuses to let the service start if the role its transactions run as would skip RLS: a
 * superuser or BYPASSRLS role sees every row whatever the policies say, and every isolation
 * guarantee of this service would silently be gone.
 */
export async function assertRuntimeRoleIsSubjectToRls(dataSource: DataSource): Promise<void> {
  // Checked through the very transaction start every request and job uses.
  const { rows, forced } = await runInRlsTransaction(dataSource, SYSTEM_CONTEXT, async (client) => ({
    rows: (await client.query(
      `SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user`,
    )).rows as { current_user: string; rolsuper: boolean; rolbypassrls: boolean }[],
    forced: (await client.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND c.relname <> 'typeorm_migrations'
          AND NOT (c.relrowsecurity AND c.relforcerowsecurity)`,
    )).rows as { relname: string }[],
  }));
  const role = rows[0];
  if (!role || role.rolsuper || role.rolbypassrls) {
    throw new Error(
      `refusing to start: the runtime role "${role?.current_user ?? '?'}" bypasses row-level security ` +
        `(superuser or BYPASSRLS); recreate it with NOSUPERUSER NOBYPASSRLS`,
    );
  }
  if (forced.length) {
    throw new Error(`refusing to start: row-level security is not enabled and forced on ${forced.map((f) => f.relname).join(', ')}`);
  }
}
