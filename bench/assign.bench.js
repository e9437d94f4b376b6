'use strict';
/* npm run bench:assign: auto-assign 10,000 contacts over 25 users (both strategies) and
 * assign-contacts with 5,000 ids, through the API, against the roadmap's approach in the same run
 * (one query pair per contact through pg). */
const { Client } = require('pg');
const { freshDatabase, dropDatabase, startService, stop, machine, writeResult } = require('./lib');
const { signToken } = require('../dist/src/auth/jwt');

const DB = 'salesbrain_bench_assign';
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const CONTACTS = 10_000;

async function main() {
  const { owner, ownerUrl, runtimeUrl } = await freshDatabase(DB);
  const org = (await owner.query(`INSERT INTO organization (name) VALUES ('Bench org') RETURNING id`)).rows[0].id;
  await owner.query(
    `INSERT INTO "user" (organization_id, email, role) SELECT $1, 'rep' || g || '@bench.example', 'member' FROM generate_series(1, 25) g`,
    [org],
  );
  await owner.query(
    `INSERT INTO contact (organization_id, email, lead_score) SELECT $1, 'c' || g || '@lead.example', (g * 7919) % 100 FROM generate_series(1, $2) g`,
    [org, CONTACTS],
  );
  await owner.query('ANALYZE');
  const ownerUser = (await owner.query(`SELECT id FROM "user" WHERE organization_id = $1 ORDER BY email LIMIT 1`, [org])).rows[0].id;
  const token = signToken(JWT_SECRET, { sub: ownerUser, role: 'owner', org_id: org }, '1h');
  const service = await startService({ DATABASE_URL: runtimeUrl, JWT_SECRET, WEBHOOK_WORKERS: '0' });
  const post = async (path, body) => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, json };
  };
  const clear = () => owner.query(`DELETE FROM user_contact_assignment`);
  const report = { machine: machine(), contacts: CONTACTS, users: 25 };
  try {
    await post('/api/admin/assignments/auto-assign', {
      organization_id: org,
      strategy: 'round_robin',
      contact_ids: (await owner.query(`SELECT id FROM contact LIMIT 10`)).rows.map((r) => r.id),
    });
    await clear();
    const rr = await post('/api/admin/assignments/auto-assign', { organization_id: org, strategy: 'round_robin' });
    const counts = (
      await owner.query(
        `SELECT min(n), max(n) FROM (SELECT count(*) n FROM user_contact_assignment WHERE status = 'active' GROUP BY user_id) s`,
      )
    ).rows[0];
    await clear();
    const ls = await post('/api/admin/assignments/auto-assign', { organization_id: org, strategy: 'lead_score' });
    const sums = (
      await owner.query(
        `SELECT min(s), max(s) FROM (SELECT sum(c.lead_score) s FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id GROUP BY a.user_id) x`,
      )
    ).rows[0];
    await clear();

    // The roadmap's approach: per contact, pick the user with the fewest contacts, then INSERT.
    const bare = new Client({ connectionString: ownerUrl });
    await bare.connect();
    const ids = (await bare.query(`SELECT id FROM contact WHERE organization_id = $1 ORDER BY id`, [org])).rows.map((r) => r.id);
    let t0 = Date.now();
    for (const id of ids) {
      const u = await bare.query(
        `SELECT u.id FROM "user" u LEFT JOIN user_contact_assignment uca ON u.id = uca.user_id AND uca.status = 'active'
          WHERE u.organization_id = $1 AND u.status = 'active' AND u.role IN ('member', 'admin', 'owner')
          GROUP BY u.id ORDER BY count(uca.id), random() LIMIT 1`,
        [org],
      );
      await bare.query(
        `INSERT INTO user_contact_assignment (user_id, contact_id, organization_id, assignment_type) VALUES ($1, $2, $3, 'round_robin')
         ON CONFLICT (user_id, contact_id) DO UPDATE SET status = 'active', updated_at = now()`,
        [u.rows[0].id, id, org],
      );
    }
    const baselineAuto = Date.now() - t0;
    await clear();
    const five = ids.slice(0, 5000);
    const target = (await bare.query(`SELECT id FROM "user" WHERE organization_id = $1 ORDER BY email OFFSET 1 LIMIT 1`, [org])).rows[0].id;
    t0 = Date.now();
    for (const id of five) {
      await bare.query(
        `INSERT INTO user_contact_assignment (user_id, contact_id, organization_id, assignment_type) VALUES ($1, $2, $3, 'manual')
         ON CONFLICT (user_id, contact_id) DO UPDATE SET status = 'active', updated_at = now()`,
        [target, id, org],
      );
    }
    const baselineManual = Date.now() - t0;
    await clear();
    await bare.end();
    const manual = await post(`/api/admin/users/${target}/assign-contacts`, { contact_ids: five });

    report.round_robin = {
      ms: Math.round(rr.ms),
      assigned: rr.json.data.assigned_count,
      min_per_user: Number(counts.min),
      max_per_user: Number(counts.max),
    };
    report.lead_score = {
      ms: Math.round(ls.ms),
      assigned: ls.json.data.assigned_count,
      min_score_sum: Number(sums.min),
      max_score_sum: Number(sums.max),
    };
    report.baseline_round_robin_per_id_ms = baselineAuto;
    report.speedup_round_robin = +(baselineAuto / rr.ms).toFixed(1);
    report.speedup_lead_score = +(baselineAuto / ls.ms).toFixed(1);
    report.assign_contacts_5000 = {
      ms: Math.round(manual.ms),
      baseline_per_id_ms: baselineManual,
      speedup: +(baselineManual / manual.ms).toFixed(1),
      success_count: manual.json.success_count,
    };
    console.log(`\nAssignments — ${machine()}`);
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `auto-assign 10,000: round robin ${report.round_robin.ms} ms, lead score ${report.lead_score.ms} ms (target ≤ 500); per-id baseline ${baselineAuto} ms → ${report.speedup_round_robin}× / ${report.speedup_lead_score}× (target ≥ 20×)`,
    );
    console.log(
      `assign-contacts 5,000: ${report.assign_contacts_5000.ms} ms vs ${baselineManual} ms per id (${report.assign_contacts_5000.speedup}×)`,
    );
    writeResult('assign', report);
  } finally {
    await stop(service);
    await owner.end();
    await dropDatabase(DB);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
