'use strict';
/* npm run bench:ingest: distinct, realistic Instantly payloads posted to the running service
 * (receiver, secret check, group-commit batching) against a bare server doing one INSERT per
 * request with the same pool size, at 200 and 50 connections; then checks that every answered
 * event is in the table, and measures how fast the workers drain 100,000 pending logs. */
const { Client } = require('pg');
const { freshDatabase, dropDatabase, startService, startBare, stop, load, summary, machine, writeResult } = require('./lib');

const DB = 'salesbrain_bench_ingest';
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const POOL = '10';
const SECRET = 'bench-instantly-secret-0123456789';
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const EVENTS = ['email_sent', 'email_opened', 'link_clicked', 'reply_received', 'lead_interested', 'email_bounced', 'lead_meeting_booked'];

let seq = 0;
function payload(workspaces) {
  const i = seq++;
  return JSON.stringify({
    timestamp: new Date(Date.now() - (i % 100000)).toISOString(),
    event_type: EVENTS[i % EVENTS.length],
    workspace: workspaces[i % workspaces.length],
    campaign_id: `bench-campaign-${i % 50}`,
    campaign_name: `Bench campaign ${i % 50}`,
    lead_email: `lead${i}@prospect${i % 97}.example`,
    email_account: 'sender@outbound.example',
    step: 1 + (i % 3),
    variant: 1,
    is_first: i % 3 === 0,
    email_id: `e-${process.pid}-${i}`,
    unibox_url: null,
    firstName: 'Lead',
    lastName: String(i),
    companyName: `Prospect ${i % 97}`,
    personalization: 'Saw your post about outbound',
  });
}

async function run(url, connections, workspaces, ids) {
  const result = await load({
    url: `${url}/api/webhooks/instantly`,
    method: 'POST',
    connections,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: payload(workspaces) }),
        onResponse: (status, body) => {
          if (ids && status === 200) ids.push(JSON.parse(body).data.id);
        },
      },
    ],
  });
  return summary(result);
}

async function verify(ownerUrl, ids) {
  const c = new Client({ connectionString: ownerUrl });
  await c.connect();
  const unique = [...new Set(ids)];
  const r = await c.query(`SELECT count(*)::int AS n FROM webhook_log WHERE id = ANY($1::uuid[])`, [unique]);
  await c.end();
  return { answered: ids.length, unique_ids: unique.length, found_in_table: r.rows[0].n, lost: unique.length - r.rows[0].n };
}

async function main() {
  const { owner, ownerUrl, runtimeUrl } = await freshDatabase(DB);
  await owner.query(`INSERT INTO organization (name, instantly_workspace_id) SELECT 'Org ' || g, 'ws-' || g FROM generate_series(1, 20) g`);
  const workspaces = Array.from({ length: 20 }, (_, i) => `ws-${i + 1}`);
  const env = { DATABASE_URL: runtimeUrl, DATABASE_POOL_SIZE: POOL, JWT_SECRET, INSTANTLY_WEBHOOK_SECRET: SECRET, WEBHOOK_WORKERS: '0' };
  const report = { machine: machine(), seconds: SECONDS, pool: Number(POOL), runs: {} };
  // The baseline: a minimal table (id, event type, payload, unique dedup key, created_at).
  await owner.query(`CREATE SCHEMA bench; CREATE TABLE bench.minimal_log (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), event_type text NOT NULL, payload jsonb NOT NULL,
                                                     dedup_key text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now())`);
  if (process.env.BENCH_ONLY === 'edge') {
    // Receipt through the front (its own router ahead of Express) against the stock Express + Nest
    // pipeline (WEBHOOK_RECEIPT_FRONT=false), alternating, same batching and prepared insert.
    const front = await startService(env);
    const stock = await startService({ ...env, WEBHOOK_RECEIPT_FRONT: 'false' });
    report.edge = {};
    try {
      for (const connections of [200, 50]) {
        const runs = { front: [], stock: [] };
        await run(front.url, connections, workspaces, null);
        await run(stock.url, connections, workspaces, null);
        for (let i = 0; i < 2; i++) {
          runs.front.push(await run(front.url, connections, workspaces, null));
          runs.stock.push(await run(stock.url, connections, workspaces, null));
        }
        const best = (xs) => xs.reduce((a, b) => (b.requests_per_s > a.requests_per_s ? b : a));
        const f = best(runs.front);
        const st = best(runs.stock);
        report.edge[connections] = {
          front: runs.front,
          stock: runs.stock,
          ratio_stock_to_front: Number((st.requests_per_s / f.requests_per_s).toFixed(3)),
        };
        console.log(`\nReceipt at ${connections} connections — ${machine()}`);
        console.table({ front_1: runs.front[0], stock_1: runs.stock[0], front_2: runs.front[1], stock_2: runs.stock[1] });
        console.log(`stock pipeline / front (best of two each): ${(st.requests_per_s / f.requests_per_s).toFixed(2)}×`);
      }
    } finally {
      await stop(front);
      await stop(stock);
    }
    await owner.end();
    writeResult('ingest-edge', report);
    await dropDatabase(DB);
    return;
  }
  const service = await startService(env);
  const bare = await startBare('bare-ingest-server.js', { DATABASE_URL: ownerUrl, DATABASE_POOL_SIZE: POOL, BARE_TABLE: 'minimal' });
  const bareFull = await startBare('bare-ingest-server.js', { DATABASE_URL: ownerUrl, DATABASE_POOL_SIZE: POOL, BARE_TABLE: 'full' });
  try {
    for (const connections of process.env.BENCH_ONLY === 'drain' ? [] : [200, 50]) {
      // Each server gets the same unmeasured warm-up run first (JIT, pool, caches); the service's
      // warm-up answers are checked with the measured ones.
      const ids = [];
      await run(bare.url, connections, workspaces, null);
      const b = await run(bare.url, connections, workspaces, null);
      await run(bareFull.url, connections, workspaces, null);
      const bf = await run(bareFull.url, connections, workspaces, null);
      await run(service.url, connections, workspaces, ids);
      const s = await run(service.url, connections, workspaces, ids);
      const check = await verify(ownerUrl, ids);
      const ratio = s.requests_per_s / b.requests_per_s;
      const ratioFull = s.requests_per_s / bf.requests_per_s;
      report.runs[connections] = {
        bare_minimal: b,
        bare_full_schema: bf,
        service: s,
        ratio: Number(ratio.toFixed(3)),
        ratio_full_schema: Number(ratioFull.toFixed(3)),
        check,
      };
      console.log(`\nIngestion at ${connections} connections — ${machine()}`);
      console.table({ bare_minimal: b, bare_full_schema: bf, service: s });
      console.log(
        `service/bare minimal: ${ratio.toFixed(2)}×, service/bare full schema: ${ratioFull.toFixed(2)}×; answered ${check.answered}, in table ${check.found_in_table}, lost ${check.lost}`,
      );
    }
  } finally {
    await stop(service);
    await stop(bare);
    await stop(bareFull);
  }

  if (process.env.BENCH_ONLY === 'load') {
    await owner.end();
    writeResult('ingest', report);
    await dropDatabase(DB);
    return;
  }
  // Drain: 100,000 pending logs spread over the 20 organizations, processed by the workers.
  await owner.query(`TRUNCATE webhook_log`);
  const N = Number(process.env.BENCH_DRAIN_EVENTS || 100000);
  await owner.query(
    `INSERT INTO webhook_log (event_source, dedup_key, event_type, raw_event_type, payload, workspace_id, contact_email)
     SELECT 'instantly', md5('drain' || g), t, t,
            jsonb_build_object('event_type', t, 'workspace', 'ws-' || (1 + g % 20), 'campaign_id', 'drain-c' || (g % 50),
                               'campaign_name', 'Drain ' || (g % 50), 'lead_email', 'drain' || (g % 20000) || '@x.example',
                               'timestamp', now()),
            'ws-' || (1 + g % 20), 'drain' || (g % 20000) || '@x.example'
       FROM generate_series(1, $1) g, LATERAL (SELECT (ARRAY['email_sent','email_opened','link_clicked','reply_received'])[1 + g % 4] AS t) x`,
    [N],
  );
  const workers = process.env.BENCH_WORKERS || '4';
  const started = Date.now();
  const drainer = await startService({ ...env, WEBHOOK_WORKERS: workers, WEBHOOK_BATCH_SIZE: '200' });
  let left = N;
  while (left > 0 && Date.now() - started < 600000) {
    await new Promise((r) => setTimeout(r, 500));
    left = (await owner.query(`SELECT count(*)::int n FROM webhook_log WHERE status IN ('pending', 'processing')`)).rows[0].n;
  }
  const seconds = (Date.now() - started) / 1000;
  await stop(drainer);
  const statuses = (await owner.query(`SELECT status, count(*)::int n FROM webhook_log GROUP BY status`)).rows;
  report.drain = { events: N, workers: Number(workers), seconds, events_per_s: Math.round(N / seconds), statuses };
  console.log(
    `\nDrain: ${N} pending logs in ${seconds.toFixed(1)} s = ${Math.round(N / seconds)} events/s with ${workers} workers (includes start-up); ${JSON.stringify(statuses)}`,
  );
  await owner.end();
  writeResult('ingest', report);
  await dropDatabase(DB);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
