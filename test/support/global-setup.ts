import { Client } from 'pg';
import { adminUrlFor, TEST_LOGIN_ROLE } from './db-urls';

/**
 * A fresh database per run: created and migrated as the owner (a superuser here), then a
 * NOSUPERUSER NOBYPASSRLS login role that is a member of the runtime role is what the app under
 * test connects as, so RLS is really enforced and nothing can fall back to superuser powers.
 */
export default async function globalSetup(): Promise<void> {
  const dbName = `salesbrain_test_${Date.now()}_${process.pid}`;
  if (!/test/.test(dbName)) throw new Error('refusing to use a database whose name does not say test');
  const admin = new Client({ connectionString: adminUrlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
    // Old databases left by interrupted runs are dropped so they do not pile up.
    const stale = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'salesbrain_test_%' AND datname <> $1`, [dbName]);
    for (const row of stale.rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`).catch(() => undefined);
    }
  } finally {
    await admin.end();
  }
  // The compiled migrations, exactly what migration:run applies (npm test builds first).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runMigrations } = require('../../dist/src/database/run-migrations') as typeof import('../../src/database/run-migrations');
  const applied = await runMigrations(adminUrlFor(dbName), false);
  if (!applied.length) throw new Error('no migrations were applied: run npm run build first');
  const owner = new Client({ connectionString: adminUrlFor(dbName) });
  await owner.connect();
  try {
    await owner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TEST_LOGIN_ROLE}') THEN
          CREATE ROLE ${TEST_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS INHERIT;
        END IF;
      END $$;
      GRANT salesbrain_app TO ${TEST_LOGIN_ROLE};
      GRANT CONNECT ON DATABASE ${dbName} TO ${TEST_LOGIN_ROLE};
    `);
  } finally {
    await owner.end();
  }
  process.env.SALESBRAIN_TEST_DB = dbName;
}
