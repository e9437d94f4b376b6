/** The login role the app under test connects as: a member of salesbrain_app, not a superuser. */
export const TEST_LOGIN_ROLE = 'salesbrain_test_login';

const base = () => new URL(process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

export function adminUrlFor(db: string): string {
  const u = base();
  u.pathname = `/${db}`;
  return u.toString();
}

export function runtimeUrlFor(db: string): string {
  const u = base();
  u.username = TEST_LOGIN_ROLE;
  u.password = '';
  u.pathname = `/${db}`;
  return u.toString();
}

/** The migrated database the global setup made; each test file copies it. */
export function templateDbName(): string {
  const name = process.env.SALESBRAIN_TEST_DB;
  if (!name) throw new Error('SALESBRAIN_TEST_DB is not set: run the tests through jest (global setup)');
  return name;
}

let suiteDb: string | null = null;

export function setSuiteDbName(name: string): void {
  suiteDb = name;
}

/** This test file's own database (see suite-database.ts). */
export function testDbName(): string {
  if (!suiteDb) throw new Error('the suite database is not ready: use it from a hook or a test');
  return suiteDb;
}
