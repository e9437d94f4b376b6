'use strict';
/* npm run bench:metrics: how long a Prometheus scrape of GET /metrics takes with 1,000,000 logs in
 * the table (goal: p95 <= 50 ms), with the stats rollup compacted and with deltas pending, and a
 * backlog of due pending logs for the lag gauge. The metrics' cost on the request paths is measured
 * by running bench:ingest and bench (rls-path) on the builds with and without them. */
const { freshDatabase, dropDatabase, startService, stop, machine, writeResult, percentile, seedWebhookLogs } = require('./lib');

const DB = 'salesbrain_bench_metrics';
const N = Number(process.env.BENCH_LOG_ROWS || 1_000_000);
const REPS = Number(process.env.BENCH_REPS || 50);
const TOKEN = 'bench-metrics-token-0123456789';

async function scrapes(url) {
  const times = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('webhook_logs{')) throw new Error(`scrape: ${res.status}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    p50_ms: +percentile(times, 50).toFixed(1),
    p95_ms: +percentile(times, 95).toFixed(1),
    max_ms: +times[times.length - 1].toFixed(1),
  };
}

async function main() {
  const { owner, runtimeUrl } = await freshDatabase(DB);
  const report = { machine: machine(), logs: N };
  let service;
  try {
    report.seed_seconds = await seedWebhookLogs(owner, N);
    // 10,000 due pending logs, so the lag gauge has something to find.
    await owner.query(
      `INSERT INTO webhook_log (event_source, event_type, dedup_key, payload, next_attempt_at)
       SELECT 'custom', 'x', md5('pending' || g), '{}', now() - (g || ' seconds')::interval FROM generate_series(1, 10000) g`,
    );
    service = await startService({
      DATABASE_URL: runtimeUrl,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
      WEBHOOK_WORKERS: '0',
      METRICS_TOKEN: TOKEN,
    });
    report.deltas_pending = await scrapes(service.url);
    // The rollup folds the seed's deltas (the service does it 5 s after start, then every 30 s).
    const t0 = Date.now();
    for (;;) {
      const left = (await owner.query(`SELECT count(*)::int AS n FROM webhook_log_stats_delta`)).rows[0].n;
      if (left < 1000 || Date.now() - t0 > 120000) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    report.compacted = await scrapes(service.url);
    console.log(`\nGET /metrics with ${N} logs — ${report.machine}`);
    console.table({ 'deltas pending': report.deltas_pending, compacted: report.compacted });
  } finally {
    if (service) await stop(service);
    await owner.end();
    await dropDatabase(DB);
  }
  writeResult('metrics', report);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
