'use strict';
/* npm run bench: GET /api/admin/campaigns/filter through the whole service (JWT guard, CLS,
 * per-request transaction with set_config, RLS) against a bare pg server running the same SQL. */
const {
  freshDatabase,
  seedCampaignFilter,
  dropDatabase,
  startService,
  startBare,
  stop,
  load,
  summary,
  machine,
  writeResult,
  cpuSeconds,
} = require('./lib');
const { signToken } = require('../dist/src/auth/jwt');

const DB = 'salesbrain_bench_rls';
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const POOL = '10';
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';

async function main() {
  const { owner, runtimeUrl, ownerUrl } = await freshDatabase(DB);
  // 20 organizations × 500 campaigns; the caller's organization is one of them.
  const orgId = await seedCampaignFilter(owner);
  await owner.end();

  const token = signToken(JWT_SECRET, { sub: '00000000-0000-4000-8000-000000000001', role: 'admin', org_id: orgId }, '1h');
  const service = await startService({ DATABASE_URL: runtimeUrl, DATABASE_POOL_SIZE: POOL, JWT_SECRET, WEBHOOK_WORKERS: '0' });
  const bare = await startBare('bare-filter-server.js', { DATABASE_URL: ownerUrl, DATABASE_POOL_SIZE: POOL, BENCH_ORG_ID: orgId });
  try {
    const path = '/api/admin/campaigns/filter?search=campaign%201&status=active';
    const opts = { connections: CONNECTIONS, duration: SECONDS };
    // Warm both up, then measure one after the other on the same machine.
    await load({ ...opts, duration: 2, url: bare.url + path });
    await load({ ...opts, duration: 2, url: service.url + path, headers: { authorization: `Bearer ${token}` } });
    // This VM's throughput drifts by ±10% from one 10 s window to the next, so the two servers are
    // measured in alternating rounds and the median of the per-round ratios is the figure.
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) {
      const b = summary(await load({ ...opts, url: bare.url + path }));
      const cpuBefore = cpuSeconds(service.child.pid);
      const s = summary(await load({ ...opts, url: service.url + path, headers: { authorization: `Bearer ${token}` } }));
      // The service process's own CPU per request: steadier than throughput on a noisy machine.
      s.node_cpu_us_per_request = Math.round(((cpuSeconds(service.child.pid) - cpuBefore) * 1e6) / s.total);
      rounds.push({ bare: b, service: s, ratio: Number((s.requests_per_s / b.requests_per_s).toFixed(3)) });
    }
    const ratios = rounds.map((r) => r.ratio).sort((x, y) => x - y);
    const ratio = ratios[Math.floor(ratios.length / 2)];
    const report = { connections: CONNECTIONS, seconds: SECONDS, pool: Number(POOL), rounds, median_ratio: ratio };
    console.log(`\nRLS request path — ${machine()}`);
    console.table(
      Object.fromEntries(
        rounds.flatMap((r, i) => [
          [`bare ${i + 1}`, r.bare],
          [`service ${i + 1}`, r.service],
        ]),
      ),
    );
    console.log(`service/bare throughput per round: ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')}`);
    console.log(`median service/bare throughput: ${ratio.toFixed(2)}× (target ≥ 0.50)`);
    console.log(`service Node CPU per request (µs) per round: ${rounds.map((r) => r.service.node_cpu_us_per_request).join(', ')}`);
    writeResult('rls-path', report);
  } finally {
    await stop(service);
    await stop(bare);
    await dropDatabase(DB);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
