import { Client } from 'pg';
import { adminUrlFor } from './db-urls';

export default async function globalTeardown(): Promise<void> {
  const dbName = process.env.SALESBRAIN_TEST_DB;
  if (!dbName || process.env.KEEP_TEST_DB) return;
  const admin = new Client({ connectionString: adminUrlFor('postgres') });
  await admin.connect();
  try {
    const all = await admin.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [dbName, `${dbName}\\_%`]);
    for (const row of all.rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
