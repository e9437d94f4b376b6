import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SYSTEM_CONTEXT } from './rls-context';
import { runInRlsTransaction } from './rls-transactional.adapter';

/**
 * Refuses to let the service start if the role its transactions run as would skip RLS: a
 * superuser or BYPASSRLS role sees every row whatever the policies say, and every isolation
 * guarantee of this service would silently be gone.
 */
export async function assertRuntimeRoleIsSubjectToRls(dataSource: DataSource, embedded = false): Promise<LoginReport> {
  // Checked through the very transaction start every request and job uses.
  const { rows, forced, login } = await runInRlsTransaction(dataSource, SYSTEM_CONTEXT, async (client) => ({
    login: (
      await client.query(
        `SELECT session_user AS name, r.rolsuper OR r.rolbypassrls AS bypasses FROM pg_roles r WHERE r.rolname = session_user`,
      )
    ).rows[0] as { name: string; bypasses: boolean } | undefined,
    rows: (await client.query(`SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user`)).rows as {
      current_user: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
    }[],
    forced: (
      await client.query(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND c.relname <> 'typeorm_migrations'
          -- A partition is reached through its table, whose policies apply, unless this role may open it directly.
          AND (NOT c.relispartition OR has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE'))
          AND NOT (c.relrowsecurity AND c.relforcerowsecurity)`,
      )
    ).rows as { relname: string }[],
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
  const report = { login: login?.name ?? '?', loginBypassesRls: login?.bypasses ?? false };
  if (report.loginBypassesRls && embedded) {
    new Logger('Database').log(
      `embedded database: its only login is a superuser; every request and job runs as ${role.current_user} under RLS`,
    );
  } else if (report.loginBypassesRls) {
    new Logger('Database').warn(
      `the database login "${report.login}" is a superuser or has BYPASSRLS: every request still runs as ${role.current_user} ` +
        `under RLS, but a query that escaped its transaction would see every tenant's rows. Give the service a login role of its ` +
        `own (NOSUPERUSER NOBYPASSRLS, member of ${role.current_user}).`,
    );
  }
  reports.set(dataSource, report);
  return report;
}

export interface LoginReport {
  login: string;
  /** The pool's login itself skips RLS (a superuser or BYPASSRLS role), even though transactions switch to the runtime role. */
  loginBypassesRls: boolean;
}

const reports = new WeakMap<DataSource, LoginReport>();

/** What the start-up check found of the pool's login (for the health check's details). */
export function loginReportOf(dataSource: DataSource): LoginReport | undefined {
  return reports.get(dataSource);
}
