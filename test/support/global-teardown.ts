import { existsSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Client } from 'pg';
import { adminUrlFor } from './db-urls';

export default async function globalTeardown(): Promise<void> {
  const dbName = process.env.SALESBRAIN_TEST_DB;
  // The contract checks of every file (test/support/contract.ts).
  const counts = dbName ? join(tmpdir(), `${dbName}.contract`) : '';
  if (counts && existsSync(counts)) {
    const lines = readFileSync(counts, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ').map(Number));
    const total = lines.reduce((sum, [n]) => sum + n, 0);
    const ms = lines.reduce((sum, [, t]) => sum + (t || 0), 0);
    console.log(
      `\ncontract: ${total} answers validated against the OpenAPI document in ${Math.round(ms)} ms (schema compilation included)`,
    );
    rmSync(counts, { force: true });
  }
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
