'use strict';
/* npm run bench:privacy: a lead's subject-access request and erasure (GDPR) through the running
 * service, for a lead with 1,000 logs spread over 12 months among 10,000,000 (BENCH_LOG_ROWS), each
 * against the same statement run bare on an owner connection in the same run; the plans (the
 * contact-email index of every partition, no scan); and webhook ingestion's p99 while subject
 * requests and erasures run, against ingestion alone. BENCH_REUSE_DB=1 / BENCH_KEEP_DB=1 as in
 * bench:logs. */
const { Client } = require('pg');
const {
  freshDatabase,
  existingDatabase,
  dropDatabase,
  startService,
  stop,
  load,
  summary,
  machine,
  writeResult,
  percentile,
  seedWebhookLogs,
} = require('./lib');
const { signToken } = require('../dist/src/auth/jwt');
const { SET_CONTEXT_SQL } = require('../dist/src/database/rls-context');
const { RUNTIME_ROLE } = require('../dist/src/database/data-source');
const { literalPattern } = require('../dist/src/common/personal-data');

const DB = 'salesbrain_bench_privacy';
const N = Number(process.env.BENCH_LOG_ROWS || 10_000_000);
const DAYS = Number(process.env.BENCH_LOG_DAYS || 365);
const LEAD_LOGS = Number(process.env.BENCH_LEAD_LOGS || 1000);
const REPS = Number(process.env.BENCH_REPS || 10);
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const SECRET = 'bench-instantly-secret-0123456789';

const SUBJECT_SQL = `SELECT json_build_object('id', id, 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                              'event_source', event_source, 'event_type', event_type, 'status', status, 'payload', payload)::text AS json
                       FROM webhook_log WHERE organization_id = $1 AND contact_email = $2 ORDER BY webhook_log.created_at DESC, id DESC`;
const REDACT_SQL = `UPDATE webhook_log SET payload = privacy_redact_payload(payload), contact_email = NULL,
                           error_message = regexp_replace(error_message, $3, '[erased]', 'gi'),
                           attempt_history = regexp_replace(attempt_history::text, $3, '[erased]', 'gi')::jsonb
                     WHERE organization_id = $1 AND contact_email = $2`;

/** A lead's logs over the last 12 months (every monthly partition), its contact and an assignment. */
async function plantLead(owner, orgId, email) {
  await owner.query(
    `INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload, contact_email, campaign_name, created_at, processed_at, attempts)
     SELECT $1, 'instantly', t, t, 'processed', md5($2 || g), jsonb_build_object('event_type', t, 'lead_email', $2, 'firstName', 'Subject', 'lastName', 'Person',
              'companyName', 'Subject GmbH', 'phone', '+49 30 555', 'reply_text', 'Hello from Subject Person', 'step', g % 3, 'workspace', 'ws-4'),
            $2, 'Bench campaign', ts, ts, 1
       FROM generate_series(1, $3::int) g,
            LATERAL (SELECT now() - (g::float8 / $3::int) * interval '${DAYS - 1} days' AS ts, (ARRAY['email_sent', 'email_opened', 'reply_received'])[1 + g % 3] AS t) x`,
    [orgId, email, LEAD_LOGS],
  );
  const c = await owner.query(
    `INSERT INTO contact (organization_id, email, first_name, last_name, company) VALUES ($1, $2, 'Subject', 'Person', 'Subject GmbH')
     ON CONFLICT DO NOTHING RETURNING id`,
    [orgId, email],
  );
  const user = (await owner.query(`SELECT id FROM "user" WHERE organization_id = $1 LIMIT 1`, [orgId])).rows[0];
  if (c.rows[0] && user)
    await owner.query(`INSERT INTO user_contact_assignment (user_id, contact_id, organization_id) VALUES ($1, $2, $3)`, [
      user.id,
      c.rows[0].id,
      orgId,
    ]);
}

const stats = (times) => {
  const s = [...times].sort((a, b) => a - b);
  return { p50_ms: +percentile(s, 50).toFixed(1), p95_ms: +percentile(s, 95).toFixed(1), max_ms: +s[s.length - 1].toFixed(1) };
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** The plan of each statement as the service's role plans it in an organization admin's context: which indexes, any scan. */
async function plans(runtimeUrl, orgId, email) {
  const c = new Client({ connectionString: runtimeUrl });
  await c.connect();
  const out = {};
  try {
    for (const [name, sql, params] of [
      ['subject_logs', SUBJECT_SQL, [orgId, email]],
      ['erase_logs', REDACT_SQL, [orgId, email, literalPattern(email)]],
    ]) {
      await c.query('BEGIN');
      await c.query(SET_CONTEXT_SQL, [RUNTIME_ROLE, 'admin', orgId, '', '']);
      const plan = (await c.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows[0]['QUERY PLAN'][0].Plan;
      await c.query('ROLLBACK');
      const nodes = [];
      const walk = (n) => {
        nodes.push(n);
        for (const k of n.Plans ?? []) walk(k);
      };
      walk(plan);
      const indexes = new Set(
        nodes.filter((n) => n['Index Name']).map((n) => n['Index Name'].replace(/^webhook_log_[a-z]\d{6}_|^webhook_log_default_/, '')),
      );
      const scanned = nodes.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']);
      // A sequential scan of an empty partition (months ahead, the default one) reads nothing.
      const nonEmpty = scanned.length
        ? (await c.query(`SELECT relname FROM pg_class WHERE relname = ANY($1) AND reltuples > 0`, [scanned])).rows.map((r) => r.relname)
        : [];
      out[name] = {
        partitions_read: nodes.filter((n) => n['Relation Name']?.startsWith('webhook_log_')).length,
        indexes: [...indexes],
        seq_scans_of_empty_partitions: scanned.length - nonEmpty.length,
        seq_scans: nonEmpty,
      };
    }
  } finally {
    await c.end();
  }
  return out;
}

let seq = 0;
function event() {
  const i = seq++;
  return JSON.stringify({
    timestamp: new Date(Date.now() - (i % 100000)).toISOString(),
    event_type: 'email_opened',
    workspace: `ws-${1 + (i % 20)}`,
    campaign_id: `bench-campaign-${i % 50}`,
    lead_email: `ingest${i}-${process.pid}@prospect.example`,
    email_id: `e-${process.pid}-${i}`,
    firstName: 'Lead',
  });
}

async function ingest(url) {
  return summary(
    await load({
      url: `${url}/api/webhooks/instantly`,
      method: 'POST',
      connections: 50,
      duration: SECONDS,
      headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
      requests: [{ setupRequest: (req) => ({ ...req, body: event() }) }],
    }),
  );
}

async function main() {
  const reuse = process.env.BENCH_REUSE_DB === '1';
  const { owner, runtimeUrl } = reuse ? await existingDatabase(DB) : await freshDatabase(DB);
  const seedSeconds = reuse ? 0 : await seedWebhookLogs(owner, N, DAYS);
  console.log(reuse ? `reusing ${DB}` : `seeded ${N} logs over ${DAYS} days in ${seedSeconds.toFixed(1)} s`);
  if (reuse) await owner.query(`VACUUM ANALYZE webhook_log`);
  const orgId = (await owner.query(`SELECT id FROM organization ORDER BY name LIMIT 1 OFFSET 3`)).rows[0].id;
  await owner.query(
    `INSERT INTO "user" (organization_id, email, role) VALUES ($1::uuid, 'bench-owner-' || $1::text || '@x.example', 'owner') ON CONFLICT DO NOTHING`,
    [orgId],
  );
  const run = `${Date.now()}`;
  const subjects = Array.from({ length: REPS * 2 + 4 }, (_, i) => `subject${i}-${run}@bench-lead.example`);
  const t0 = Date.now();
  for (const email of subjects) await plantLead(owner, orgId, email);
  await owner.query(`ANALYZE webhook_log`);
  console.log(`planted ${subjects.length} leads of ${LEAD_LOGS} logs each in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const total = Number(
    (
      await owner.query(
        `SELECT sum(reltuples)::bigint AS n FROM pg_class WHERE relkind = 'r' AND (relname LIKE 'webhook_log_p%' OR relname = 'webhook_log_default')`,
      )
    ).rows[0].n,
  );

  const service = await startService({
    DATABASE_URL: runtimeUrl,
    JWT_SECRET,
    INSTANTLY_WEBHOOK_SECRET: SECRET,
    WEBHOOK_WORKERS: '0',
    DATABASE_POOL_SIZE: '10',
  });
  const headers = {
    authorization: `Bearer ${signToken(JWT_SECRET, { sub: '00000000-0000-4000-8000-000000000002', role: 'admin', org_id: orgId })}`,
    'content-type': 'application/json',
  };
  const report = {
    machine: machine(),
    rows: total,
    lead_logs: LEAD_LOGS,
    reps: REPS,
    seed_seconds: +seedSeconds.toFixed(1),
    targets: { subject_ms: 1000, erase_ms: 2000 },
  };
  const next = () => subjects.shift();
  const subjectRequest = async (email) => {
    const s = process.hrtime.bigint();
    const res = await fetch(`${service.url}/api/admin/privacy/subject?email=${encodeURIComponent(email)}`, { headers });
    const body = await res.json();
    if (res.status !== 200 || body.data.logs.length !== LEAD_LOGS) throw new Error(`subject: ${res.status} ${body.data?.logs?.length}`);
    return ms(s);
  };
  const eraseRequest = async (email) => {
    const s = process.hrtime.bigint();
    const res = await fetch(`${service.url}/api/admin/privacy/erase`, { method: 'POST', headers, body: JSON.stringify({ email }) });
    const body = await res.json();
    if (res.status !== 200 || body.data.erased.logs !== LEAD_LOGS) throw new Error(`erase: ${res.status} ${JSON.stringify(body)}`);
    return ms(s);
  };
  try {
    report.plans = await plans(runtimeUrl, orgId, subjects[0]);
    // Subject access: the service (HTTP, RLS, streamed JSON of 1,000 payloads) against the same read bare.
    const service_ = [];
    const bare = [];
    for (let i = 0; i < REPS; i++) {
      const email = subjects[i % 4];
      service_.push(await subjectRequest(email));
      const s = process.hrtime.bigint();
      const rows = (await owner.query(SUBJECT_SQL, [orgId, email])).rows;
      rows.map((r) => r.json).join(',');
      bare.push(ms(s));
    }
    report.subject = { service: stats(service_), bare_select: stats(bare) };
    report.subject.ratio_p50 = +(report.subject.service.p50_ms / report.subject.bare_select.p50_ms).toFixed(2);
    subjects.splice(0, 4);
    // Erasure: the service (contacts, assignments, every partition, the prepared copies, the record) against the logs' UPDATE alone, bare.
    const erase = [];
    const bareErase = [];
    for (let i = 0; i < REPS; i++) {
      erase.push(await eraseRequest(next()));
      const email = next();
      const s = process.hrtime.bigint();
      await owner.query(REDACT_SQL, [orgId, email, literalPattern(email)]);
      bareErase.push(ms(s));
    }
    report.erase = { service: stats(erase), bare_update: stats(bareErase) };
    report.erase.ratio_p50 = +(report.erase.service.p50_ms / report.erase.bare_update.p50_ms).toFixed(2);
    // Ingestion alone, then with subject requests and erasures running back to back.
    const extra = Array.from({ length: 12 }, (_, i) => `during${i}-${run}@bench-lead.example`);
    for (const email of extra) await plantLead(owner, orgId, email);
    report.ingest_alone = await ingest(service.url);
    // One subject request and one erasure each second (BENCH_PRIVACY_PAUSE_MS), far above any real rate of such requests.
    const pause = Number(process.env.BENCH_PRIVACY_PAUSE_MS ?? 1000);
    let running = true;
    const during = { subject: [], erase: [] };
    const loop = (async () => {
      while (running && extra.length) {
        const email = extra.shift();
        during.subject.push(await subjectRequest(email));
        during.erase.push(await eraseRequest(email));
        await new Promise((r) => setTimeout(r, pause));
      }
    })();
    report.ingest_during = await ingest(service.url);
    running = false;
    await loop;
    report.during = { subject: stats(during.subject), erase: stats(during.erase), rounds: during.erase.length, pause_ms: pause };
    report.ingest_p99_ratio = +(report.ingest_during.p99_ms / report.ingest_alone.p99_ms).toFixed(2);
  } finally {
    await stop(service);
    await owner.end();
  }
  console.log(JSON.stringify(report, null, 2));
  writeResult('privacy', report);
  if (!process.env.BENCH_KEEP_DB) await dropDatabase(DB);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
