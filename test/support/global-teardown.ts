import { Client } from 'pg';
import { adminUrlFor } from './db-urls';

export default async function globalTeardown(): Promise<void> {
  const dbName = process.env.SALESBRAIN_TEST_DB;
  if (!dbName || process.env.KEEP_TEST_DB) return;
  const admin = new Client({ connectionString: adminUrlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
