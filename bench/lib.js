'use strict';
/* Shared helpers for the benchmarks: a database of their own, the built service and a bare
 * baseline server as child processes, autocannon on loopback, bounded in time. */
const { spawn } = require('child_process');
const { Client } = require('pg');
const os = require('os');
const path = require('path');
const fs = require('fs');
const autocannon = require('autocannon');

const ADMIN_URL = process.env.BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const LOGIN_ROLE = 'salesbrain_bench_login';

function urlFor(db, user) {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  if (user) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

async function freshDatabase(name) {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const { runMigrations } = require('../dist/src/database/run-migrations');
  await runMigrations(urlFor(name), false);
  const owner = new Client({ connectionString: urlFor(name) });
  await owner.connect();
  await owner.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${LOGIN_ROLE}') THEN
        CREATE ROLE ${LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS INHERIT;
      END IF; END $$;
    GRANT salesbrain_app TO ${LOGIN_ROLE};`);
  return { owner, ownerUrl: urlFor(name), runtimeUrl: urlFor(name, LOGIN_ROLE) };
}

async function existingDatabase(name) {
  const owner = new Client({ connectionString: urlFor(name) });
  await owner.connect();
  return { owner, ownerUrl: urlFor(name), runtimeUrl: urlFor(name, LOGIN_ROLE) };
}

async function dropDatabase(name) {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

function startProcess(script, env, readyPattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d) => {
      out += d.toString();
      const m = readyPattern.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        resolve({ child, url: m[1], output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${out}`)));
    setTimeout(() => reject(new Error(`${script} did not start:\n${out}`)), 60000).unref();
  });
}

function startService(env) {
  return startProcess(
    path.join(__dirname, '..', 'dist', 'src', 'main.js'),
    { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOG_REQUESTS: 'false', ...env },
    /listening on (http:\/\/\S+)/,
  );
}

function startBare(script, env) {
  return startProcess(path.join(__dirname, script), env, /listening on (http:\/\/\S+)/);
}

async function stop(proc) {
  if (!proc || proc.child.exitCode !== null) return;
  proc.child.removeAllListeners('exit');
  const done = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
  if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
}

function load(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

function summary(r) {
  return {
    requests_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    total: r.requests.total,
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function machine() {
  return `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function writeResult(name, data) {
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ machine: machine(), at: new Date().toISOString(), ...data }, null, 2));
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Seeds N logs with set-based SQL: 20 organizations, every type and source, spread evenly over
 * the last BENCH_LOG_DAYS days (default 90), ~5% failed, in statements of a million rows. The
 * months' partitions are created first (as the daily job would have), so nothing lands in the
 * default partition.
 */
async function seedWebhookLogs(owner, N, days = Number(process.env.BENCH_LOG_DAYS || 90)) {
  const { EVENT_TYPES, WEBHOOK_SOURCES } = require('../dist/src/webhooks/event-types');
  const started = Date.now();
  await owner.query(`INSERT INTO organization (name, instantly_workspace_id) SELECT 'Org ' || g, 'ws-' || g FROM generate_series(1, 20) g`);
  await owner.query(
    `INSERT INTO campaign (organization_id, name) SELECT o.id, 'Campaign ' || g || ' ' || o.name FROM organization o, generate_series(1, 10) g`,
  );
  // (Before the partitions migration, as when timing it, there is nothing to create.)
  const partitioned = (await owner.query(`SELECT to_regprocedure('webhook_log_add_month(date)') IS NOT NULL AS p`)).rows[0].p;
  if (partitioned)
    await owner.query(
      `SELECT webhook_log_add_month(m::date) FROM generate_series(date_trunc('month', (now() - make_interval(days => $1)) AT TIME ZONE 'UTC'),
                                                                 date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') m`,
      [days],
    );
  const types = EVENT_TYPES.map((e) => e.canonical);
  const CHUNK = 1_000_000;
  for (let from = 1; from <= N; from += CHUNK) {
    await owner.query(
      `WITH orgs AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM organization),
            camps AS (SELECT id, organization_id, name, row_number() OVER (PARTITION BY organization_id ORDER BY id) AS n FROM campaign)
       INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload, campaign_id,
                                campaign_name, contact_email, error_message, attempts, processed_at, created_at)
       SELECT o.id, src, typ, typ,
              CASE WHEN g % 20 = 0 THEN 'failed' WHEN g % 97 = 0 THEN 'skipped' ELSE 'processed' END,
              md5(g::text), jsonb_build_object('event_type', typ, 'lead_email', 'lead' || g || '@prospect' || (g % 500) || '.example', 'step', g % 3),
              c.id, c.name, 'lead' || g || '@prospect' || (g % 500) || '.example',
              CASE WHEN g % 20 = 0 THEN 'no organization is mapped to Instantly workspace ws-x' END,
              1, ts, ts
         FROM generate_series($4::int, least($4::int + $5::int - 1, $1::int)) g
         CROSS JOIN LATERAL (SELECT now() - (g::float8 / $1::int) * make_interval(days => $6) - (random() * interval '1 second') AS ts,
                                    ($2::text[])[1 + g % array_length($2::text[], 1)] AS typ,
                                    ($3::text[])[1 + (g / 7) % array_length($3::text[], 1)] AS src) x
         JOIN orgs o ON o.n = 1 + g % 20
         JOIN camps c ON c.organization_id = o.id AND c.n = 1 + (g / 20) % 10`,
      [N, types, WEBHOOK_SOURCES, from, CHUNK, days],
    );
    if (N > CHUNK) console.log(`  seeded ${Math.min(N, from + CHUNK - 1)} rows, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  // The keys receipt keeps (WEBHOOK_DEDUP_RETENTION_DAYS, 30 by default).
  if (partitioned)
    await owner.query(`INSERT INTO webhook_log_dedup (event_source, dedup_key, log_id, created_at)
                     SELECT event_source, dedup_key, id, created_at FROM webhook_log WHERE created_at > now() - interval '30 days'`);
  // The service folds the stats deltas into the rollup every 30 s; a seed leaves millions of them.
  if (partitioned) {
    const { WebhookLogStatsRepository } = require('../dist/src/webhook-logs/webhook-log-stats.repository');
    await new WebhookLogStatsRepository({ query: async (sql, params) => (await owner.query(sql, params)).rows }).compactStats();
    // The folded deltas are dead rows now, millions of them: a table of a GB that every stats
    // answer would read until autovacuum got to it (in service the deltas are a few minutes' worth).
    await owner.query(`VACUUM (FULL, ANALYZE) webhook_log_stats_delta`);
    await owner.query(`VACUUM ANALYZE webhook_log_stats_daily, webhook_log_stats_hourly, webhook_log_stats_total`);
  }
  await owner.query(`VACUUM ANALYZE webhook_log`);
  if (partitioned) await owner.query(`VACUUM ANALYZE webhook_log_dedup`);
  return (Date.now() - started) / 1000;
}

/** The campaign filter's data (RLS path, bench:context): 20 organizations × 500 campaigns; returns the first organization's id. */
async function seedCampaignFilter(owner) {
  await owner.query(`INSERT INTO organization (name) SELECT 'Org ' || g FROM generate_series(1, 20) g`);
  await owner.query(`INSERT INTO campaign (organization_id, name, status)
    SELECT o.id, 'Campaign ' || g || ' of ' || o.name, (ARRAY['active','paused','completed'])[1 + g % 3]
      FROM organization o, generate_series(1, 500) g`);
  await owner.query('ANALYZE');
  return (await owner.query(`SELECT id FROM organization ORDER BY name LIMIT 1`)).rows[0].id;
}

module.exports = {
  seedCampaignFilter,
  cpuSeconds,
  seedWebhookLogs,
  freshDatabase,
  existingDatabase,
  dropDatabase,
  startService,
  startBare,
  stop,
  load,
  summary,
  machine,
  writeResult,
  urlFor,
  percentile,
};
