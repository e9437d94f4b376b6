'use strict';
/* npm run bench:neighbours: tenants as neighbours, measured on the built service.
 *
 * Processing: organization B sends events at a steady rate (the global secret, routed by its
 * workspace) while organization A floods with its own credential as fast as it can. B's
 * receipt-to-processed p50/p99 (processed_at - created_at of B's logs) against B alone, and A's
 * accepted (200) and throttled (429) rates, in three set-ups run one after the other:
 *   defaults          — the per-credential rate limit and fair turns on (what ships);
 *   no rate limit     — fair turns alone, A unthrottled (as the 20,000 events in 7 s);
 *   neither           — WEBHOOK_FAIR_SHARE_PER_SECOND huge and no rate limit: the old behaviour.
 * Reads: A's member runs 24 concurrent searches the trigram index cannot serve over A's 40,000
 * logs while B's owner reads the campaign filter; B's filter p50/p99 against B alone. */
const { createHash } = require('crypto');
const { freshDatabase, dropDatabase, startService, stop, load, summary, machine, writeResult, percentile } = require('./lib');

const DB = 'salesbrain_bench_neighbours';
const SECONDS = Number(process.env.BENCH_SECONDS || 15);
const B_RATE = Number(process.env.BENCH_B_RATE || 20);
const SECRET = 'bench-instantly-secret-0123456789';
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const CREDENTIAL = `sbwh_${'A'.repeat(43)}`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function event(workspace, i, tag) {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    event_type: ['email_sent', 'email_opened', 'link_clicked'][i % 3],
    workspace,
    campaign_id: `${tag}-campaign-${i % 10}`,
    campaign_name: `${tag} campaign ${i % 10}`,
    lead_email: `${tag}-lead${i}@prospect${i % 97}.example`,
    email_id: `${tag}-${process.pid}-${Date.now()}-${i}`,
  });
}

/** B: one event every 1000 / B_RATE ms for `seconds`, each answered id kept. */
async function steadyB(url, workspace, seconds) {
  const ids = [];
  const sends = [];
  const end = Date.now() + seconds * 1000;
  for (let i = 0; Date.now() < end; i++) {
    sends.push(
      fetch(`${url}/api/webhooks/instantly`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
        body: event(workspace, i, 'b'),
      })
        .then(async (r) => (r.status === 200 ? ids.push((await r.json()).data.id) : undefined))
        .catch(() => undefined),
    );
    await sleep(1000 / B_RATE);
  }
  await Promise.all(sends);
  return ids;
}

/** A: as fast as 50 connections go, with its credential; counts by status. */
async function floodA(url, workspace, seconds) {
  let i = 0;
  const statuses = {};
  const r = await load({
    url: `${url}/api/webhooks/instantly`,
    method: 'POST',
    connections: 50,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-webhook-secret': CREDENTIAL },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: event(workspace, i++, 'a') }),
        onResponse: (status) => (statuses[status] = (statuses[status] ?? 0) + 1),
      },
    ],
  });
  return {
    sent_per_s: Math.round(r.requests.total / seconds),
    accepted_per_s: Math.round((statuses[200] ?? 0) / seconds),
    throttled_per_s: Math.round((statuses[429] ?? 0) / seconds),
    statuses,
  };
}

/** Waits until B's logs are processed; their receipt-to-processed times. */
async function latencies(owner, ids) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const r = await owner.query(
      `SELECT count(*) FILTER (WHERE status IN ('pending', 'processing'))::int AS open FROM webhook_log WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    if (r.rows[0].open === 0 || Date.now() > deadline) break;
    await sleep(250);
  }
  const rows = (
    await owner.query(
      `SELECT extract(epoch FROM processed_at - created_at) * 1000 AS ms FROM webhook_log WHERE id = ANY($1::uuid[]) AND processed_at IS NOT NULL`,
      [ids],
    )
  ).rows;
  const ms = rows.map((x) => Number(x.ms)).sort((a, b) => a - b);
  return {
    events: ids.length,
    processed: ms.length,
    p50_ms: Math.round(percentile(ms, 50)),
    p99_ms: Math.round(percentile(ms, 99)),
    max_ms: Math.round(ms[ms.length - 1] ?? 0),
  };
}

async function processingRun(owner, env, a, b, flood) {
  await owner.query(`TRUNCATE webhook_log, webhook_log_dedup`);
  // BENCH_SPLIT=1: receipt in one process (no workers), processing in another (no HTTP traffic).
  const split = process.env.BENCH_SPLIT === '1';
  const service = await startService(split ? { ...env, WEBHOOK_WORKERS: '0' } : env);
  const workers = split ? await startService(env) : null;
  try {
    await sleep(500);
    const [ids, flooded] = await Promise.all([
      steadyB(service.url, b.workspace, SECONDS),
      flood ? floodA(service.url, a.workspace, SECONDS) : Promise.resolve(null),
    ]);
    const bLatency = await latencies(owner, ids);
    const backlog = (await owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE status IN ('pending', 'processing')`)).rows[0].n;
    return { b: bLatency, a: flooded, a_backlog_when_b_done: backlog };
  } finally {
    await stop(service);
    await stop(workers);
  }
}

async function readsRun(url, tokens, flood) {
  const searches = [];
  let stopping = false;
  if (flood) {
    for (let c = 0; c < 24; c++) {
      searches.push(
        (async () => {
          const counts = {};
          while (!stopping) {
            const r = await fetch(`${url}/api/admin/webhooks/logs?search=_1`, {
              headers: { authorization: `Bearer ${tokens.aMember}` },
            }).catch(() => null);
            counts[r?.status ?? 'error'] = (counts[r?.status ?? 'error'] ?? 0) + 1;
            await r?.arrayBuffer().catch(() => undefined);
            if (r?.status === 429) await sleep(Number(r.headers.get('retry-after') ?? 1) * 1000);
          }
          return counts;
        })(),
      );
    }
  }
  await sleep(flood ? 1000 : 0);
  const r = summary(
    await load({
      url: `${url}/api/admin/campaigns/filter`,
      connections: 4,
      duration: SECONDS,
      headers: { authorization: `Bearer ${tokens.bOwner}` },
    }),
  );
  stopping = true;
  const counts = {};
  for (const c of await Promise.all(searches)) for (const [k, v] of Object.entries(c)) counts[k] = (counts[k] ?? 0) + v;
  return { b_filter: r, a_searches: counts };
}

async function main() {
  const { owner, runtimeUrl } = await freshDatabase(DB);
  const orgs = (
    await owner.query(
      `INSERT INTO organization (name, instantly_workspace_id) VALUES ('Flooding A', 'ws-a'), ('Quiet B', 'ws-b') RETURNING id, instantly_workspace_id AS workspace`,
    )
  ).rows;
  const [a, b] = orgs;
  await owner.query(`INSERT INTO organization_webhook_credential (organization_id, secret_hash, secret_prefix) VALUES ($1, $2, $3)`, [
    a.id,
    createHash('sha256').update(CREDENTIAL).digest('hex'),
    CREDENTIAL.slice(0, 9),
  ]);
  await owner.query(
    `INSERT INTO campaign (organization_id, name, status) SELECT $1, 'B campaign ' || g, 'active' FROM generate_series(1, 20) g`,
    [b.id],
  );
  const base = {
    ...(process.env.BENCH_SHARE ? { WEBHOOK_FAIR_SHARE_PER_SECOND: process.env.BENCH_SHARE } : {}),
    DATABASE_URL: runtimeUrl,
    DATABASE_POOL_SIZE: '10',
    JWT_SECRET,
    INSTANTLY_WEBHOOK_SECRET: SECRET,
    WEBHOOK_WORKERS: '4',
    WEBHOOK_BATCH_SIZE: process.env.BENCH_BATCH || '200',
  };
  const unthrottled = { WEBHOOK_CREDENTIAL_RATE_PER_SECOND: '1000000', WEBHOOK_CREDENTIAL_BURST: '10000000' };
  const report = { machine: machine(), seconds: SECONDS, b_rate_per_s: B_RATE, processing: {}, reads: {} };

  const runs = {
    b_alone: [base, false],
    defaults: [base, true],
    no_rate_limit: [{ ...base, ...unthrottled }, true],
    neither: [{ ...base, ...unthrottled, WEBHOOK_FAIR_SHARE_PER_SECOND: '1000000' }, true],
  };
  const only = process.env.BENCH_RUNS ? process.env.BENCH_RUNS.split(',') : Object.keys(runs);
  report.split = process.env.BENCH_SPLIT === '1';
  for (const name of process.env.BENCH_ONLY === 'reads' ? [] : only) {
    report.processing[name] = await processingRun(owner, runs[name][0], a, b, runs[name][1]);
  }
  const alone = report.processing.b_alone?.b.p99_ms ?? 1;
  console.log(`\nProcessing: B sends ${B_RATE}/s for ${SECONDS} s; A floods with 50 connections — ${machine()}`);
  console.table(
    Object.fromEntries(
      Object.entries(report.processing).map(([k, v]) => [
        k,
        {
          b_p50_ms: v.b.p50_ms,
          b_p99_ms: v.b.p99_ms,
          b_vs_alone: Number((v.b.p99_ms / Math.max(1, alone)).toFixed(2)),
          b_processed: `${v.b.processed}/${v.b.events}`,
          a_accepted_per_s: v.a?.accepted_per_s ?? '-',
          a_throttled_per_s: v.a?.throttled_per_s ?? '-',
          a_backlog: v.a_backlog_when_b_done,
        },
      ]),
    ),
  );

  if (process.env.BENCH_ONLY === 'processing') {
    await owner.end();
    writeResult('neighbours-processing', report);
    return dropDatabase(DB);
  }
  // Reads: A has 40,000 logs; its member's searches scan them.
  await owner.query(`TRUNCATE webhook_log, webhook_log_dedup`);
  await owner.query(
    `INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload, workspace_id, contact_email, campaign_name, processed_at, attempts)
     SELECT $1, 'instantly', 'email.sent', 'email_sent', 'processed', md5('reads' || g), jsonb_build_object('event_type', 'email_sent', 'lead_email', 'r' || g || '@x.example'),
            'ws-a', 'r' || g || '@x.example', 'A campaign ' || (g % 10), now(), 1
       FROM generate_series(1, 40000) g`,
    [a.id],
  );
  await owner.query(`ANALYZE webhook_log`);
  const { signToken } = require('../dist/src/auth/jwt');
  const { randomUUID } = require('crypto');
  const tokens = {
    aMember: signToken(JWT_SECRET, { sub: randomUUID(), role: 'member', org_id: a.id }, '1h'),
    bOwner: signToken(JWT_SECRET, { sub: randomUUID(), role: 'owner', org_id: b.id }, '1h'),
  };
  // BENCH_HEAVY_READS: HEAVY_READS_PER_ORGANIZATION for this part (default: the service's).
  const heavy = process.env.BENCH_HEAVY_READS ? { HEAVY_READS_PER_ORGANIZATION: process.env.BENCH_HEAVY_READS } : {};
  const service = await startService({ ...base, ...heavy, WEBHOOK_WORKERS: '0' });
  try {
    await readsRun(service.url, tokens, false); // warm-up
    report.reads.b_alone = await readsRun(service.url, tokens, false);
    report.reads.with_a_searching = await readsRun(service.url, tokens, true);
  } finally {
    await stop(service);
  }
  const r0 = report.reads.b_alone.b_filter;
  const r1 = report.reads.with_a_searching.b_filter;
  console.log(`\nReads: B's campaign filter (4 connections) while A's member runs 24 concurrent unindexable searches over 40,000 logs`);
  console.table({ b_alone: r0, with_a_searching: r1 });
  console.log(
    `B filter p99 ${r1.p99_ms} ms vs ${r0.p99_ms} ms alone (${(r1.p99_ms / Math.max(1, r0.p99_ms)).toFixed(2)}×); A's searches by status ${JSON.stringify(report.reads.with_a_searching.a_searches)}`,
  );
  await owner.end();
  writeResult('neighbours', report);
  await dropDatabase(DB);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
