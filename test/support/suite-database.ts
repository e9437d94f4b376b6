import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { adminUrlFor, setSuiteDbName, templateDbName } from './db-urls';

/**
 * Each test file gets a database of its own, copied from the migrated template that the global
 * setup made: suites cannot see each other's rows (pending webhook logs, Instantly campaign ids),
 * whatever order Jest runs them in. Registered through setupFilesAfterEnv, so it runs before the
 * file's own hooks.
 */
beforeAll(async () => {
  const name = `${templateDbName()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDbName()}`);
  } finally {
    await admin.end();
  }
  setSuiteDbName(name);
});
