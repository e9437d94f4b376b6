'use strict';
/* npm run bench:context — issue 28's options for starting an RLS transaction through public APIs,
 * measured at the pg level on the campaign filter's statement (the RLS path's), 10 connections,
 * 50 concurrent callers, alternating rounds:
 *  - submittable: the context and the statement behind one Sync (ContextStatement, a pg Submittable:
 *    what the service does for a one-statement request), one round trip;
 *  - separate: BEGIN, the context, the statement and COMMIT as four queries (what a transaction
 *    started through TypeORM's or nestjs-cls's TypeORM adapter and then given its context costs), four round trips;
 *  - pipeline: the same four queries written at once on a client in pg's pipeline mode (one round
 *    trip, four Syncs); pipeline mode refuses cursors (pg-cursor), which the exports need.
 * Throughput in transactions per second; the ratio is against `submittable` in the same round. */
const { Pool } = require('pg');
const { freshDatabase, seedCampaignFilter, dropDatabase, machine, writeResult } = require('./lib');
const { ContextStatement } = require('../dist/src/database/context-statement');
const { SET_READ_ONLY_CONTEXT_SQL, contextValues } = require('../dist/src/database/rls-context');

const DB = 'salesbrain_bench_context';
const SECONDS = Number(process.env.BENCH_SECONDS || 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const CALLERS = 50;
const STATEMENT = `SELECT id, name, status, organization_id FROM campaign
  WHERE ($1::uuid IS NULL OR organization_id = $2) AND ($3::text IS NULL OR name ILIKE $4 ESCAPE '\\') AND ($5::text IS NULL OR status = $6)
  ORDER BY name, id LIMIT 100`;

async function main() {
  const { owner, runtimeUrl } = await freshDatabase(DB);
  // 20 organizations × 500 campaigns; the caller's organization is one of them.
  const orgId = await seedCampaignFilter(owner);
  await owner.end();
  const ctx = { values: contextValues({ role: 'admin', orgId, userId: null }), prepared: true };
  const params = [orgId, orgId, '%campaign 1%', '%campaign 1%', 'active', 'active'];

  const plain = new Pool({ connectionString: runtimeUrl, max: 10 });
  const piped = new Pool({ connectionString: runtimeUrl, max: 10, pipeline: true });
  // An idle connection still closing when the database is dropped (WITH FORCE terminates it) is not an error here.
  for (const pool of [plain, piped]) pool.on('error', () => undefined);
  const options = {
    submittable: async () => {
      const client = await plain.connect();
      try {
        await new Promise((resolve, reject) =>
          client.query(new ContextStatement(ctx, 'single-read', STATEMENT, params, (err, res) => (err ? reject(err) : resolve(res)))),
        );
      } finally {
        client.release();
      }
    },
    separate: async () => {
      const client = await plain.connect();
      try {
        await client.query('BEGIN');
        await client.query(SET_READ_ONLY_CONTEXT_SQL, ctx.values);
        await client.query(STATEMENT, params);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    pipeline: async () => {
      const client = await piped.connect();
      try {
        await Promise.all([
          client.query('BEGIN'),
          client.query(SET_READ_ONLY_CONTEXT_SQL, ctx.values),
          client.query(STATEMENT, params),
          client.query('COMMIT'),
        ]);
      } finally {
        client.release();
      }
    },
  };

  const measure = async (fn) => {
    const until = Date.now() + SECONDS * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (Date.now() < until) {
          await fn();
          n++;
        }
      }),
    );
    return Math.round(n / SECONDS);
  };

  for (const fn of Object.values(options)) await measure(fn); // warm-up: connections, prepared statements, JIT
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = {};
    for (const [name, fn] of Object.entries(options)) r[name] = await measure(fn);
    rounds.push(r);
  }
  await plain.end();
  await piped.end();
  await dropDatabase(DB);
  console.log(`\nStarting an RLS transaction, transactions/s (${CALLERS} callers, 10 connections) — ${machine()}`);
  console.table(rounds);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratios = Object.fromEntries(
    Object.keys(options).map((name) => [name, Number(median(rounds.map((r) => r[name] / r.submittable)).toFixed(2))]),
  );
  console.log(`median ratio to submittable: ${JSON.stringify(ratios)}`);
  writeResult('context-options', { machine: machine(), seconds: SECONDS, rounds, ratios });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
