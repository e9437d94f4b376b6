'use strict';
/* npm run bench:onboarding: the public GET /o/:token under load (throttling raised out of the
 * way) against a bare pg lookup of the same row, then expiry of 100,000 overdue links among
 * 1,000,000 through the job's own statement. */
const http = require('http');
const { Pool } = require('pg');
const { freshDatabase, dropDatabase, startService, stop, load, summary, machine, writeResult } = require('./lib');

const DB = 'salesbrain_bench_onboarding';
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const LINKS = Number(process.env.BENCH_LINKS || 1_000_000);

function bareServer(url, token) {
  const pool = new Pool({ connectionString: url, max: 10 });
  const server = http.createServer(async (req, res) => {
    const r = await pool.query(
      `SELECT o.name AS organization_name, l.welcome_message, l.total_steps, l.current_step, l.progress_percentage, l.template_name
         FROM onboarding_link_token t JOIN onboarding_link l ON l.id = t.link_id JOIN organization o ON o.id = l.organization_id
        WHERE t.link_token = $1`,
      [token],
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: true, data: r.rows[0] }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((r) => server.close(() => pool.end().then(r))),
      }),
    ),
  );
}

async function main() {
  const { owner, ownerUrl, runtimeUrl } = await freshDatabase(DB);
  await owner.query(`INSERT INTO organization (name) SELECT 'Org ' || g FROM generate_series(1, 20) g`);
  let t0 = Date.now();
  // Tokens live in onboarding_link_token (migration TenantHardening).
  await owner.query(
    `WITH l AS (
       INSERT INTO onboarding_link (organization_id, template_name, welcome_message, status, expires_at, created_at)
       SELECT o.id, 'Basic Onboarding', 'Welcome',
              CASE WHEN g % 10 = 0 THEN 'active' WHEN g % 10 < 7 THEN 'used' ELSE 'expired' END,
              CASE WHEN g % 10 = 0 THEN now() - interval '1 hour' ELSE now() + interval '7 days' END, now()
         FROM generate_series(1, $1) g JOIN (SELECT id, row_number() OVER () n FROM organization) o ON o.n = 1 + g % 20
       RETURNING id, organization_id)
     INSERT INTO onboarding_link_token (link_id, organization_id, link_token, link_url)
     SELECT id, organization_id, encode(sha256(id::text::bytea), 'hex'), 'https://x/o/' || id FROM l`,
    [LINKS],
  );
  // One live link to read under load.
  const token = 'benchtoken_' + 'x'.repeat(32);
  await owner.query(
    `WITH l AS (INSERT INTO onboarding_link (organization_id, expires_at) SELECT id, now() + interval '30 days' FROM organization LIMIT 1 RETURNING id, organization_id)
     INSERT INTO onboarding_link_token (link_id, organization_id, link_token, link_url) SELECT id, organization_id, $1::text, 'https://x/o/' || $1::text FROM l`,
    [token],
  );
  await owner.query('VACUUM ANALYZE onboarding_link');
  const seedSeconds = (Date.now() - t0) / 1000;
  const service = await startService({
    DATABASE_URL: runtimeUrl,
    JWT_SECRET,
    WEBHOOK_WORKERS: '0',
    PUBLIC_RATE_LIMIT_PER_MINUTE: '100000',
  });
  const bare = await bareServer(ownerUrl, token);
  const report = { machine: machine(), links: LINKS, seed_seconds: seedSeconds };
  try {
    const opts = { connections: 50, duration: SECONDS };
    await load({ ...opts, duration: 2, url: `${bare.url}/` });
    await load({ ...opts, duration: 2, url: `${service.url}/api/admin/onboarding/o/${token}` });
    const b = summary(await load({ ...opts, url: `${bare.url}/` }));
    const s = summary(await load({ ...opts, url: `${service.url}/api/admin/onboarding/o/${token}` }));
    report.public_get = { bare: b, service: s, ratio: +(s.requests_per_s / b.requests_per_s).toFixed(2) };
    console.log(`\nPublic GET /o/:token — ${machine()} (the service also writes the access: clicks, last 100 IPs/agents)`);
    console.table({ bare: b, service: s });

    // Expiry: the same statement the job runs, as the runtime role under the system context.
    const runtime = new Pool({ connectionString: runtimeUrl, max: 1 });
    const c = await runtime.connect();
    await c.query(`BEGIN; SELECT set_config('role', 'salesbrain_app', true), set_config('app.user_role', 'system', true)`);
    t0 = Date.now();
    const r = await c.query(
      `UPDATE onboarding_link SET status = 'expired', updated_at = now() WHERE status = 'active' AND expires_at <= now()`,
    );
    await c.query('COMMIT');
    const ms = Date.now() - t0;
    c.release();
    await runtime.end();
    report.expiry = { expired: r.rowCount, among: LINKS, ms };
    console.log(`expiry: ${r.rowCount} overdue links among ${LINKS} in ${ms} ms (target ≤ 2000)`);
    writeResult('onboarding', report);
  } finally {
    await stop(service);
    await bare.close();
    await owner.end();
    await dropDatabase(DB);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
