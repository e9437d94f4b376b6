import { randomUUID } from 'crypto';
import { join } from 'path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source';
import { Db } from '../src/database/db.service';
import { WebhookPartitionScheduler } from '../src/webhook-logs/webhook-partition.scheduler';
import { SYSTEM_CONTEXT } from '../src/database/rls-context';
import { WebhookLogRetentionRepository } from '../src/webhook-logs/webhook-log-retention.repository';
import { WebhookRetentionScheduler } from '../src/webhook-logs/webhook-retention.scheduler';
import { WebhookEventRepository } from '../src/webhooks/webhook-event.repository';
import { adminUrlFor, runtimeUrlFor, testDbName } from './support/db-urls';
import { instantlyPayload } from './support/instantly';
import { inRlsContext } from './support/rls-context';
import { createOrgFixture, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

const DAY = 86_400_000;
const METRICS_TOKEN = 'partitions-metrics-token-0123456789';
const monthStart = (d: Date, plus = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1));
const partName = (m: Date, kind = 'p') => `webhook_log_${kind}${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`;

describe('webhook log partitions (migration WebhookLogPartitions)', () => {
  let t: TestApp;
  let org: OrgFixture;
  const partitions = async () =>
    (
      await t.owner.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'webhook_log'::regclass ORDER BY 1`,
      )
    ).rows.map((r) => r.relname as string);
  const insertLog = async (status: string, at: Date, extra: { dedup?: string } = {}) =>
    (
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, created_at)
       VALUES ($1, 'instantly', 'email.sent', $2, $3, '{}', $4) RETURNING id, tableoid::regclass::text AS part`,
        [org.id, status, extra.dedup ?? randomUUID().replace(/-/g, ''), at],
      )
    ).rows[0] as { id: string; part: string };
  /** The partition has every index of the log, attached to the log's own (as ATTACH adopts them). */
  const expectEveryIndexAttached = async (part: string) => {
    const indexes = await t.owner.query(
      `SELECT (SELECT count(*)::int FROM pg_index WHERE indrelid = 'webhook_log'::regclass) AS parent,
              (SELECT count(*)::int FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid WHERE x.indrelid = $1::regclass) AS attached`,
      [part],
    );
    expect(indexes.rows[0].attached).toBe(indexes.rows[0].parent);
  };
  const metrics = async () => (await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
  /** The stats rollup (fast path) against a scan of the table (a date filter), as the platform sees them. */
  const statsAgree = async () => {
    const fast = (await t.http().get('/api/admin/webhooks/stats').set(org.as('sb_admin')).expect(200)).body.data;
    const scan = (
      await t.http().get('/api/admin/webhooks/stats').query({ date_from: '2000-01-01T00:00:00Z' }).set(org.as('sb_admin')).expect(200)
    ).body.data;
    expect({ total: fast.total, by_status: fast.by_status }).toEqual({ total: scan.total, by_status: scan.by_status });
  };

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_LOG_PARTITIONS_AHEAD: '3', METRICS_TOKEN });
    org = await createOrgFixture(t.owner, 'Partitions');
  });
  afterAll(() => t.close());

  it('webhook_log is partitioned by month, with partitions ahead (start-up made WEBHOOK_LOG_PARTITIONS_AHEAD of them) and a default partition', async () => {
    const kind = await t.owner.query(`SELECT relkind FROM pg_class WHERE oid = 'webhook_log'::regclass`);
    expect(kind.rows[0].relkind).toBe('p');
    const now = new Date();
    expect(await partitions()).toEqual(
      expect.arrayContaining([0, 1, 2, 3].map((k) => partName(monthStart(now, k))).concat('webhook_log_default')),
    );
  });

  it('an event dated in a month with no partition is stored in the default partition, reported, and moved into its month when the job creates it', async () => {
    const far = monthStart(new Date(), 4);
    expect(await partitions()).not.toContain(partName(far));
    const log = await insertLog('failed', new Date(far.getTime() + 5 * DAY));
    expect(log.part).toBe('webhook_log_default');
    expect(await metrics()).toMatch(/webhook_log_default_partition_rows 1\b/);
    // Its organization's admin sees it through webhook_log like any other.
    const seen = await t.http().get(`/api/admin/webhooks/logs/${log.id}`).set(org.as('admin')).expect(200);
    expect(seen.body.data.id).toBe(log.id);

    const jobs = t.app.get(WebhookPartitionScheduler);
    // A scheduler asked for one month more: the month is created, and the row moved into it.
    (jobs as unknown as { config: { webhookLogPartitionsAhead: number } }).config.webhookLogPartitionsAhead = 4;
    const run = await jobs.runScheduled(new Date(Date.UTC(2031, 0, 1, 0, 10)));
    expect(run?.partitions_created).toBe(1);
    const after = await t.owner.query(`SELECT tableoid::regclass::text AS part FROM webhook_log WHERE id = $1`, [log.id]);
    expect(after.rows[0].part).toBe(partName(far));
    expect(await metrics()).toMatch(/webhook_log_default_partition_rows 0\b/);
    // The month's partition is reached only through webhook_log.
    const runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    try {
      await expect(inRlsContext(runtime, 'sb_admin', null, () => runtime.query(`SELECT 1 FROM ${partName(far)}`))).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await runtime.end();
    }
    await t.owner.query(`DELETE FROM webhook_log WHERE id = $1`, [log.id]);
  });

  it('only platform roles and jobs may manage partitions', async () => {
    const runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    try {
      for (const role of ['owner', 'admin', 'member']) {
        await expect(
          inRlsContext(runtime, role, org.id, () => runtime.query(`SELECT webhook_log_ensure_partitions(2)`)),
        ).rejects.toMatchObject({ code: '42501' });
        await expect(
          inRlsContext(runtime, role, org.id, () => runtime.query(`SELECT * FROM webhook_log_drop_months(now(), ARRAY['processed'])`)),
        ).rejects.toMatchObject({ code: '42501' });
        await expect(
          inRlsContext(runtime, role, org.id, () => runtime.query(`SELECT webhook_log_prepare_kept(now(), ARRAY['processed'])`)),
        ).rejects.toMatchObject({ code: '42501' });
      }
      await expect(
        inRlsContext(runtime, 'admin', org.id, () => runtime.query(`SELECT webhook_log_add_month('2030-01-01')`)),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await runtime.end();
    }
  });

  it('retention drops whole months past the limit, trims the boundary month by rows, keeps failed logs (nightly) and keeps the stats equal to the table', async () => {
    const now = new Date();
    const [m4, m3, m2] = [monthStart(now, -4), monthStart(now, -3), monthStart(now, -2)];
    for (const m of [m4, m3, m2]) await t.owner.query(`SELECT webhook_log_add_month($1::date)`, [m.toISOString().slice(0, 10)]);
    // The limit falls on the 14th of the boundary month m2.
    const days = Math.ceil((now.getTime() - (m2.getTime() + 13 * DAY)) / DAY);
    const old = {
      m4processed: await insertLog('processed', new Date(m4.getTime() + 3 * DAY)),
      m4failed: await insertLog('failed', new Date(m4.getTime() + 4 * DAY)),
      m4pending: await insertLog('pending', new Date(m4.getTime() + 5 * DAY)),
      m3processed: await insertLog('processed', new Date(m3.getTime() + 10 * DAY)),
      m3skipped: await insertLog('skipped', new Date(m3.getTime() + 11 * DAY)),
      m2early: await insertLog('processed', new Date(m2.getTime() + 2 * DAY)),
      m2earlyFailed: await insertLog('failed', new Date(m2.getTime() + 2 * DAY)),
      m2late: await insertLog('processed', new Date(m2.getTime() + 25 * DAY)),
    };
    expect(old.m4processed.part).toBe(partName(m4));
    await statsAgree();

    // The nightly job: processed and skipped logs go, failed (and pending) ones stay.
    const nightly = await t.app.get(WebhookRetentionScheduler).runScheduled(new Date(Date.UTC(2031, 1, 1, 3, 0)), days);
    expect(nightly?.deleted_count).toBe(4);
    const parts = await partitions();
    expect(parts).not.toContain(partName(m4));
    expect(parts).not.toContain(partName(m3));
    expect(parts).toContain(partName(m4, 'k'));
    expect(parts).not.toContain(partName(m3, 'k')); // nothing of m3 was kept
    expect(parts).toContain(partName(m2));
    // The kept logs' partition has every index of the log (built after the copy, adopted by ATTACH).
    await expectEveryIndexAttached(partName(m4, 'k'));
    const left = await t.owner.query(`SELECT id, tableoid::regclass::text AS part FROM webhook_log WHERE id = ANY($1)`, [
      Object.values(old).map((o) => o.id),
    ]);
    const where = Object.fromEntries(left.rows.map((r) => [r.id, r.part]));
    expect(where).toEqual({
      [old.m4failed.id]: partName(m4, 'k'),
      [old.m4pending.id]: partName(m4, 'k'),
      [old.m2earlyFailed.id]: partName(m2),
      [old.m2late.id]: partName(m2),
    });
    await statsAgree();
    // Kept logs are still listed, searched and retried as before.
    const kept = await t.http().get(`/api/admin/webhooks/logs/${old.m4failed.id}`).set(org.as('owner')).expect(200);
    expect(kept.body.data.status).toBe('failed');
    await t.http().post(`/api/admin/webhooks/logs/${old.m4failed.id}/retry`).set(org.as('sb_admin')).expect(200);
    await t.owner.query(`UPDATE webhook_log SET status = 'failed' WHERE id = $1`, [old.m4failed.id]);

    // An admin's cleanup of every status: the kept month and the boundary month's old rows go by rows.
    const cleanup = await t
      .http()
      .delete('/api/admin/webhooks/logs/cleanup')
      .query({ older_than_days: days })
      .set(org.as('sb_admin'))
      .expect(200);
    expect(cleanup.body).toEqual({ success: true, deleted_count: 2 }); // m4failed, m2earlyFailed (m4pending is still pending)
    const rest = await t.owner.query(`SELECT id FROM webhook_log WHERE id = ANY($1) ORDER BY id`, [Object.values(old).map((o) => o.id)]);
    expect(rest.rows.map((r) => r.id).sort()).toEqual([old.m4pending.id, old.m2late.id].sort());
    await statsAgree();
  });

  it('a month whose table is busy is not dropped: its rows are deleted one by one instead, and nothing waits long', async () => {
    const now = new Date();
    const m6 = monthStart(now, -6);
    // The limit falls in the month after m6, so m6 lies wholly past it.
    const days = Math.floor((now.getTime() - monthStart(now, -5).getTime()) / DAY);
    await t.owner.query(`SELECT webhook_log_add_month($1::date)`, [m6.toISOString().slice(0, 10)]);
    const log = await insertLog('processed', new Date(m6.getTime() + DAY));
    const reader = new Client({ connectionString: adminUrlFor(testDbName()) });
    await reader.connect();
    try {
      // A long reader (an export, say) holds the month open.
      await reader.query(`BEGIN; SELECT count(*) FROM ${partName(m6)}`);
      const started = Date.now();
      const cleanup = await t
        .http()
        .delete('/api/admin/webhooks/logs/cleanup')
        .query({ older_than_days: days, status: 'processed' })
        .set(org.as('sb_admin'))
        .expect(200);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(cleanup.body.deleted_count).toBeGreaterThanOrEqual(1);
      await reader.query('COMMIT');
      expect(await partitions()).toContain(partName(m6));
      expect((await t.owner.query(`SELECT 1 FROM webhook_log WHERE id = $1`, [log.id])).rows).toHaveLength(0);
    } finally {
      await reader.end();
    }
    await statsAgree();
  });

  it('the nightly job prepares the kept logs of a month it will drop; the drop reconciles what changed since and keeps exactly the logs to keep', async () => {
    const now = new Date();
    const [m8, m7] = [monthStart(now, -8), monthStart(now, -7)];
    for (const m of [m8, m7]) await t.owner.query(`SELECT webhook_log_add_month($1::date)`, [m.toISOString().slice(0, 10)]);
    const past = (now.getTime() - m7.getTime()) / DAY;
    // Night one: the limit falls in m8's last day, so m8 is trimmed by rows and prepared, not dropped.
    // Night two: the limit falls in m7, so m8 is dropped.
    const [nightOne, nightTwo] = [Math.floor(past) + 1, Math.floor(past)];
    const at = (d: number) => new Date(m8.getTime() + d * DAY);
    const log = {
      same: await insertLog('failed', at(2)),
      changed: await insertLog('failed', at(3)),
      pendingDone: await insertLog('pending', at(4)),
      removed: await insertLog('failed', at(5)),
      trimmed: await insertLog('processed', at(6)),
    };
    const scheduler = t.app.get(WebhookRetentionScheduler);
    expect((await scheduler.runScheduled(new Date(Date.UTC(2032, 0, 1, 3, 0)), nightOne))?.deleted_count).toBe(1); // trimmed, by rows
    const prepared = `webhook_log_prepared.${partName(m8, 'n')}`;
    const copy = await t.owner.query(`SELECT id FROM ${prepared} ORDER BY id`);
    const preparedOid = (await t.owner.query(`SELECT $1::regclass::oid AS oid`, [prepared])).rows[0].oid;
    expect(copy.rows.map((r) => r.id)).toEqual([log.same.id, log.changed.id, log.pendingDone.id, log.removed.id].sort());
    expect(await partitions()).toContain(partName(m8)); // the month itself is untouched
    // The prepared table lies outside public, in a schema the runtime role may not use.
    const runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    try {
      await expect(inRlsContext(runtime, 'system', null, () => runtime.query(`SELECT count(*) FROM ${prepared}`))).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await runtime.end();
    }

    // Between the nights: an admin's retry changes a failed log, the worker finishes a pending
    // one, one goes, and logs arrive late.
    await t.owner.query(`UPDATE webhook_log SET error_message = 'changed', retry_count = 1 WHERE id = $1`, [log.changed.id]);
    await t.owner.query(`UPDATE webhook_log SET status = 'processed' WHERE id = $1`, [log.pendingDone.id]);
    await t.owner.query(`DELETE FROM webhook_log WHERE id = $1`, [log.removed.id]);
    const late = { failed: await insertLog('failed', at(7)), processed: await insertLog('processed', at(8)) };
    await statsAgree();

    expect((await scheduler.runScheduled(new Date(Date.UTC(2032, 0, 2, 3, 0)), nightTwo))?.deleted_count).toBe(2); // pendingDone, late.processed
    const parts = await partitions();
    expect(parts).not.toContain(partName(m8));
    expect(parts).toContain(partName(m8, 'k'));
    // The prepared table itself took the month's place (reconciled, not copied again).
    expect((await t.owner.query(`SELECT $1::regclass::oid AS oid`, [partName(m8, 'k')])).rows[0].oid).toBe(preparedOid);
    expect((await t.owner.query(`SELECT to_regclass($1) AS t`, [prepared])).rows[0].t).toBeNull();
    const kept = await t.owner.query(
      `SELECT id, status, error_message, retry_count, tableoid::regclass::text AS part FROM webhook_log WHERE created_at >= $1 AND created_at < $2 ORDER BY id`,
      [m8, m7],
    );
    expect(kept.rows).toEqual(
      [
        { id: log.same.id, status: 'failed', error_message: null, retry_count: 0, part: partName(m8, 'k') },
        { id: log.changed.id, status: 'failed', error_message: 'changed', retry_count: 1, part: partName(m8, 'k') },
        { id: late.failed.id, status: 'failed', error_message: null, retry_count: 0, part: partName(m8, 'k') },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    await expectEveryIndexAttached(partName(m8, 'k'));
    await statsAgree();
    const shown = await t.http().get(`/api/admin/webhooks/logs/${log.changed.id}`).set(org.as('owner')).expect(200);
    expect(shown.body.data.error_message).toBe('changed');
  });

  it('a prepared table that no longer matches the log is copied afresh; one whose month keeps nothing is dropped with it', async () => {
    const now = new Date();
    const [m11, m10, m9] = [monthStart(now, -11), monthStart(now, -10), monthStart(now, -9)];
    for (const m of [m11, m10, m9]) await t.owner.query(`SELECT webhook_log_add_month($1::date)`, [m.toISOString().slice(0, 10)]);
    const failed = await insertLog('failed', new Date(m11.getTime() + DAY));
    await insertLog('processed', new Date(m11.getTime() + 2 * DAY));
    await insertLog('processed', new Date(m10.getTime() + 2 * DAY));
    const repo = t.app.get(WebhookLogRetentionRepository);
    const asSystem = <T>(step: () => Promise<T>) => t.app.get(Db).runAs(SYSTEM_CONTEXT, step);
    expect(await asSystem(() => repo.prepareKept(m9.toISOString(), ['processed', 'skipped']))).toBe(2);
    expect(await asSystem(() => repo.prepareKept(m9.toISOString(), ['processed', 'skipped']))).toBe(0); // ready already
    await t.owner.query(`ALTER TABLE webhook_log_prepared.${partName(m11, 'n')} ADD COLUMN stale integer`);
    const dropped = await asSystem(() => repo.dropMonths(m9.toISOString(), ['processed', 'skipped']));
    expect(dropped.deleted).toBe(2);
    expect(new Date(dropped.droppedBefore ?? 0).getTime()).toBe(m9.getTime());
    const parts = await partitions();
    expect(parts).toEqual(expect.arrayContaining([partName(m11, 'k')]));
    expect(parts).not.toEqual(expect.arrayContaining([partName(m10)]));
    expect(parts).not.toEqual(expect.arrayContaining([partName(m10, 'k')]));
    const left = await t.owner.query(`SELECT id FROM webhook_log WHERE created_at >= $1 AND created_at < $2`, [m11, m9]);
    expect(left.rows).toEqual([{ id: failed.id }]);
    const prepared = await t.owner.query(`SELECT relname FROM pg_class WHERE relnamespace = 'webhook_log_prepared'::regnamespace`);
    expect(prepared.rows).toEqual([]);
    await statsAgree();
  });

  it('dedup holds across a month boundary: the same event a month later is a duplicate of the stored log', async () => {
    const now = new Date();
    const prev = monthStart(now, -1);
    await t.owner.query(`SELECT webhook_log_add_month($1::date)`, [prev.toISOString().slice(0, 10)]);
    const body = instantlyPayload('email_sent', org.workspaceId, { lead_email: `edge-${randomUUID()}@x.example` });
    const first = await t.http().post('/api/webhooks/instantly').set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET }).send(body).expect(200);
    // The stored log now lies in the last second of the previous month; the same event comes again.
    await t.owner.query(`UPDATE webhook_log SET created_at = $2 WHERE id = $1`, [
      first.body.data.id,
      new Date(monthStart(now).getTime() - 1000),
    ]);
    const where = await t.owner.query(`SELECT tableoid::regclass::text AS part FROM webhook_log WHERE id = $1`, [first.body.data.id]);
    expect(where.rows[0].part).toBe(partName(prev));
    const again = await t.http().post('/api/webhooks/instantly').set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET }).send(body).expect(200);
    expect(again.body.data).toEqual({ id: first.body.data.id, duplicate: true });
    const stored = await t.owner.query(
      `SELECT count(*)::int AS n FROM webhook_log WHERE dedup_key = (SELECT dedup_key FROM webhook_log WHERE id = $1)`,
      [first.body.data.id],
    );
    expect(stored.rows[0].n).toBe(1);
  });

  it('concurrent identical events in separate transactions store one row: the second waits for the first and finds its log', async () => {
    const connect = async () => {
      const c = new Client({ connectionString: runtimeUrlFor(testDbName()) });
      await c.connect();
      await c.query(`BEGIN; SELECT set_config('app.user_role', 'system', true)`);
      return c;
    };
    const [a, b] = [await connect(), await connect()];
    const repo = (c: Client) =>
      new WebhookEventRepository({ query: async (sql: string, params?: unknown[]) => (await c.query(sql, params)).rows } as unknown as Db);
    const key = randomUUID().replace(/-/g, '');
    const cols = {
      source: ['instantly'],
      dedup: [key],
      type: ['email.sent'],
      raw: ['email_sent'],
      payload: ['{}'],
      workspace: [null],
      icampaign: [null],
      cname: [null],
      email: [null],
      org: [null],
      turn: [0],
    };
    try {
      const first = await repo(a).insertLogs(cols);
      expect(first).toHaveLength(1);
      const second = repo(b).insertLogs(cols);
      await new Promise((r) => setTimeout(r, 200));
      await a.query('COMMIT');
      expect(await second).toEqual([]);
      expect(await repo(b).findLogs(['instantly'], [key])).toEqual([{ id: first[0].id, event_source: 'instantly', dedup_key: key }]);
      await b.query('COMMIT');
    } finally {
      await a.end();
      await b.end();
    }
    const n = await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE dedup_key = $1`, [key]);
    expect(n.rows[0].n).toBe(1);
  });

  it('dedup keys older than WEBHOOK_DEDUP_RETENTION_DAYS are pruned by the daily job; younger ones stay', async () => {
    const [oldKey, newKey] = [randomUUID(), randomUUID()];
    await t.owner.query(
      `INSERT INTO webhook_log_dedup (event_source, dedup_key, log_id, created_at) VALUES ('custom', $1, gen_random_uuid(), now() - interval '31 days'),
                                                                                         ('custom', $2, gen_random_uuid(), now() - interval '29 days')`,
      [oldKey, newKey],
    );
    const jobs = t.app.get(WebhookPartitionScheduler);
    expect(await jobs.pruneDedupKeys()).toBeGreaterThanOrEqual(1);
    const left = await t.owner.query(`SELECT dedup_key FROM webhook_log_dedup WHERE dedup_key = ANY($1)`, [[oldKey, newKey]]);
    expect(left.rows.map((r) => r.dedup_key)).toEqual([newKey]);
  });
});

describe('migration WebhookLogPartitions on a populated table', () => {
  let name = '';
  beforeAll(() => {
    name = `${testDbName()}_conv`;
  });
  afterAll(async () => {
    const admin = new Client({ connectionString: adminUrlFor('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('keeps every row, id, dedup key and count, and partitions the table by month', async () => {
    const admin = new Client({ connectionString: adminUrlFor('postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const options = buildDataSourceOptions({ url: adminUrlFor(name), poolSize: 1 });
    const migrations = join(__dirname, '..', 'dist', 'migrations');
    const before = new DataSource({ ...options, migrations: [join(migrations, '176410000*-*.js')] });
    await before.initialize();
    const applied = await before.runMigrations({ transaction: 'each' });
    await before.destroy();
    expect(applied.map((m) => m.name)).not.toContain('WebhookLogPartitions1764100010000');

    const owner = new Client({ connectionString: adminUrlFor(name) });
    await owner.connect();
    try {
      await owner.query(`INSERT INTO organization (name) VALUES ('Conv')`);
      // 3,000 logs over the last 100 days (four or five months), every status.
      await owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, created_at)
         SELECT (SELECT id FROM organization), 'instantly', 'email.sent', (ARRAY['pending','processed','failed','skipped'])[1 + g % 4],
                md5(g::text), jsonb_build_object('g', g), now() - g * interval '48 minutes'
           FROM generate_series(1, 3000) g`,
      );
      const snapshot = `SELECT count(*)::int AS n, md5(string_agg(id::text || dedup_key || status || created_at::text, ',' ORDER BY id)) AS h FROM webhook_log`;
      const rows = (await owner.query(snapshot)).rows[0];
      const stats = (await owner.query(`SELECT sum(n)::int AS n FROM webhook_log_stats_delta`)).rows[0].n;

      const after = new DataSource({ ...options, migrations: [join(migrations, '*.js')] });
      await after.initialize();
      expect((await after.runMigrations({ transaction: 'each' })).map((m) => m.name)).toContain('WebhookLogPartitions1764100010000');
      await after.destroy();

      expect((await owner.query(snapshot)).rows[0]).toEqual(rows);
      expect((await owner.query(`SELECT relkind FROM pg_class WHERE oid = 'webhook_log'::regclass`)).rows[0].relkind).toBe('p');
      const spread = await owner.query(`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM webhook_log GROUP BY 1`);
      expect(spread.rows.length).toBeGreaterThanOrEqual(4);
      expect(spread.rows.map((r) => r.part)).not.toContain('webhook_log_default');
      expect(
        (
          await owner.query(
            `SELECT count(*)::int AS n FROM webhook_log_dedup k JOIN webhook_log w ON w.id = k.log_id AND w.dedup_key = k.dedup_key`,
          )
        ).rows[0].n,
      ).toBe(3000);
      // The rollup was not counted twice by the copy.
      expect((await owner.query(`SELECT sum(n)::int AS n FROM webhook_log_stats_delta`)).rows[0].n).toBe(stats);
    } finally {
      await owner.end();
    }
  });
});
