import { randomUUID } from 'crypto';
import http from 'http';
import { TokenRole } from '../src/auth/roles';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { instantlyPayload } from './support/instantly';
import { ALL_ROLES, createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

describe('webhook logs admin API', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  let campaignA: string;

  /** Inserts logs directly as the owner with known attributes. */
  const seed = async (org: OrgFixture | null, rows: Partial<Record<string, unknown>>[]) => {
    const ids: string[] = [];
    for (const r of rows) {
      const res = await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload,
                                  campaign_id, campaign_name, contact_email, error_message, created_at)
         VALUES ($1, $2, $3, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11) RETURNING id`,
        [
          org?.id ?? null,
          r.event_source ?? 'instantly',
          r.event_type ?? 'email.sent',
          r.status ?? 'processed',
          randomUUID(),
          JSON.stringify(r.payload ?? { event_type: r.event_type ?? 'email.sent' }),
          r.campaign_id ?? null,
          r.campaign_name ?? null,
          r.contact_email ?? null,
          r.error_message ?? null,
          r.created_at ?? new Date(),
        ],
      );
      ids.push(res.rows[0].id);
    }
    return ids;
  };
  const list = (role: TokenRole, query: Record<string, unknown> = {}, org = a) =>
    t.http().get('/api/admin/webhooks/logs').query(query).set(org.as(role));

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_MAX_ATTEMPTS: '2' });
    a = await createOrgFixture(t.owner, 'Logs A', ['Camp A']);
    b = await createOrgFixture(t.owner, 'Logs B', ['Camp B']);
    campaignA = a.campaigns[0].id;
    const day = 86_400_000;
    await seed(a, [
      {
        event_type: 'email.opened',
        status: 'processed',
        contact_email: 'alice@a.example',
        campaign_id: campaignA,
        campaign_name: 'Camp A',
        created_at: new Date(Date.now() - 10 * day),
      },
      {
        event_type: 'email.opened',
        status: 'failed',
        contact_email: 'bob@a.example',
        error_message: 'boom 100% broken_thing',
        created_at: new Date(Date.now() - 5 * day),
      },
      { event_type: 'email.replied', status: 'failed', contact_email: "o'neil@a.example", created_at: new Date(Date.now() - 2 * day) },
      {
        event_type: 'lead.interested',
        status: 'skipped',
        event_source: 'n8n',
        contact_email: 'carol@a.example',
        created_at: new Date(Date.now() - day),
      },
      {
        event_type: 'email.sent',
        status: 'pending',
        contact_email: 'dave@a.example',
        campaign_name: '=HYPERLINK("http://evil")',
        created_at: new Date(),
      },
    ]);
    await seed(b, [
      { event_type: 'email.opened', status: 'failed', contact_email: 'alice@b.example', error_message: 'b failure' },
      { event_type: 'email.sent', status: 'processed', contact_email: 'zed@b.example' },
    ]);
  });
  afterAll(() => t.close());

  describe('GET /logs', () => {
    it('organization roles see only their organization; viewers are refused', async () => {
      for (const role of ['owner', 'admin', 'member'] as TokenRole[]) {
        const res = await list(role, { limit: 500 });
        expect(res.status).toBe(200);
        expect(res.body.data.logs.length).toBe(5);
        expect(res.body.data.logs.every((l: { organization_id: string }) => l.organization_id === a.id)).toBe(true);
        const asked = await list(role, { organization_id: b.id });
        expect(asked.body.data.logs).toEqual([]);
      }
      expect((await list('viewer')).status).toBe(403);
    });

    it('newest first with the list envelope', async () => {
      const res = await list('owner');
      const times = res.body.data.logs.map((l: { created_at: string }) => l.created_at);
      expect(times).toEqual([...times].sort().reverse());
      expect(res.body.data).toMatchObject({ total: 5, total_capped: false, limit: 50, offset: 0, has_more: false, next_cursor: null });
      expect(res.body.data.logs[0].payload).toBeUndefined();
    });

    it.each([
      [{ status: 'failed' }, ['bob@a.example', "o'neil@a.example"]],
      [{ event_type: 'email.opened' }, ['alice@a.example', 'bob@a.example']],
      [{ event_type: 'email_opened' }, ['alice@a.example', 'bob@a.example']],
      [{ event_source: 'n8n' }, ['carol@a.example']],
      [{ campaign_id: 'CAMPAIGN_A' }, ['alice@a.example']],
      [{ date_from: 'DAYS_AGO_3' }, ["o'neil@a.example", 'carol@a.example', 'dave@a.example']],
      [{ date_to: 'DAYS_AGO_3' }, ['alice@a.example', 'bob@a.example']],
      [{ search: 'ALICE' }, ['alice@a.example']],
      [{ contact_email: 'BOB@a.example' }, ['bob@a.example']],
      [{ contact_email: 'bob@a' }, []],
      [{ search: 'camp a' }, ['alice@a.example']],
      [{ search: '100%' }, ['bob@a.example']],
      [{ search: 'broken_thing' }, ['bob@a.example']],
      [{ search: '_' }, ['bob@a.example']],
      [{ search: '%' }, ['bob@a.example']],
      [{ search: "o'neil" }, ["o'neil@a.example"]],
      [{ search: '"' }, ['dave@a.example']],
      [{ status: 'failed', event_type: 'email.opened', date_from: 'DAYS_AGO_7', search: 'bob' }, ['bob@a.example']],
      [{ status: 'failed', event_type: 'email.sent' }, []],
    ])('filter %j', async (query, expected) => {
      const resolve = (v: unknown) =>
        v === 'CAMPAIGN_A'
          ? campaignA
          : typeof v === 'string' && v.startsWith('DAYS_AGO_')
            ? new Date(Date.now() - Number(v.slice(9)) * 86_400_000).toISOString()
            : v;
      const q = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, resolve(v)]));
      const res = await list('admin', q);
      expect(res.status).toBe(200);
      expect(res.body.data.logs.map((l: { contact_email: string }) => l.contact_email).sort()).toEqual([...expected].sort());
      expect(res.body.data.total).toBe(expected.length);
    });

    it.each([
      [{ limit: 0 }, /limit/],
      [{ limit: 501 }, /limit/],
      [{ offset: -1 }, /offset/],
      [{ status: 'done' }, /status/],
      [{ event_source: 'hubspot' }, /event_source/],
      [{ campaign_id: '12' }, /campaign_id/],
      [{ date_from: 'yesterday' }, /date_from/],
      [{ cursor: 'garbage' }, /cursor/],
      [{ bogus: 1 }, /bogus/],
    ])('bad query %j is a 400', async (query, message) => {
      const res = await list('sb_admin', query);
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
      expect(res.body.message).toMatch(message);
    });

    it('cursor paging has no gaps or repeats while new events arrive', async () => {
      const org = await createOrgFixture(t.owner, 'Cursor');
      const base = Date.now() - 60_000;
      // 25 logs, several sharing a timestamp, so ties are broken by id.
      await seed(
        org,
        Array.from({ length: 25 }, (_, i) => ({ contact_email: `c${i}@x.example`, created_at: new Date(base + Math.floor(i / 3) * 1000) })),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      let page = 0;
      do {
        const res = await list('owner', { limit: 4, ...(cursor ? { cursor } : {}) }, org);
        expect(res.status).toBe(200);
        seen.push(...res.body.data.logs.map((l: { id: string }) => l.id));
        cursor = res.body.data.next_cursor ?? undefined;
        // New events arrive between pages; they are newer than the cursor and must not shift it.
        await seed(org, [{ contact_email: `new${page++}@x.example` }]);
      } while (cursor);
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
    });

    it('a search with other filters is answered from its matches: page, cursor and count exact, for each role that sees them', async () => {
      // 1,500 matches in B over a year, every third failed; 20 in A; a search matching 6,000 logs too.
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload, contact_email, created_at)
         SELECT CASE WHEN g <= 1500 THEN $1::uuid ELSE $2::uuid END, 'instantly', 'email.sent', 'email.sent',
                CASE WHEN g % 3 = 0 THEN 'failed' ELSE 'processed' END, 'filtermatch-' || g, '{}'::jsonb,
                'filtermatch' || g || '@x.example', now() - (g * interval '5 hours')
           FROM generate_series(1, 1520) g`,
        [b.id, a.id],
      );
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload, contact_email, created_at)
         SELECT $1, 'instantly', 'email.opened', 'email.opened', 'failed', 'densematch-' || g, '{}'::jsonb, 'densematch' || g || '@x.example',
                now() - (g * interval '1 minute')
           FROM generate_series(1, 6000) g`,
        [b.id],
      );
      try {
        const failed = await list('owner', { search: 'FilterMatch', status: 'failed', limit: 20 }, b);
        expect(failed.status).toBe(200);
        // 500 failed in B: g = 3, 6, ... 1500, newest (smallest g) first.
        expect(failed.body.data).toMatchObject({ total: 500, total_capped: false, has_more: true });
        expect(failed.body.data.logs.map((l: { contact_email: string }) => l.contact_email)).toEqual(
          Array.from({ length: 20 }, (_, i) => `filtermatch${3 * (i + 1)}@x.example`),
        );
        const next = await list('owner', { search: 'filtermatch', status: 'failed', limit: 20, cursor: failed.body.data.next_cursor }, b);
        expect(next.body.data.logs[0].contact_email).toBe('filtermatch63@x.example');
        const offset = await list('owner', { search: 'filtermatch', status: 'failed', limit: 20, offset: 480 }, b);
        expect(offset.body.data.logs).toHaveLength(20);
        expect(offset.body.data).toMatchObject({ has_more: false, total: 500 });
        // Past the last page: no rows, the count still exact.
        expect((await list('owner', { search: 'filtermatch', status: 'failed', offset: 600 }, b)).body.data).toMatchObject({
          logs: [],
          total: 500,
          has_more: false,
        });
        // Dates and a type narrow the same matches; the platform may name the organization.
        const since = new Date(Date.now() - 100 * 5 * 3_600_000 - 1000).toISOString();
        expect((await list('sb_admin', { search: 'filtermatch', date_from: since, organization_id: b.id }, b)).body.data).toMatchObject({
          total: 100,
        });
        expect((await list('sb_admin', { search: 'filtermatch', event_type: 'email.opened' }, b)).body.data).toMatchObject({
          total: 0,
          logs: [],
        });
        expect((await list('sb_admin', { search: 'filtermatch', status: 'failed' }, b)).body.data).toMatchObject({ total: 506 }); // and A's 6
        // Another organization's roles see only their own.
        for (const role of ['owner', 'admin', 'member'] as TokenRole[]) {
          expect((await list(role, { search: 'filtermatch', status: 'failed' }, a)).body.data).toMatchObject({
            total: 6,
            total_capped: false,
          });
        }
        // Bulk retry, export and stats take the same matches.
        const dry = (filter: object) =>
          t.http().post('/api/admin/webhooks/logs/bulk-retry').set(b.as('sb_admin')).send({ filter, dry_run: true });
        expect((await dry({ search: 'filtermatch', status: 'failed', organization_id: b.id })).body).toMatchObject({
          success_count: 500,
          dry_run: true,
        });
        expect((await dry({ search: 'filtermatch', status: 'failed' })).body).toMatchObject({ success_count: 506 });
        expect((await dry({ search: 'densematch', status: 'failed' })).body).toMatchObject({ success_count: 6000 }); // more than the matches read: by pattern
        const csv = await t
          .http()
          .get('/api/admin/webhooks/logs/export')
          .query({ format: 'json', search: 'filtermatch', status: 'failed' })
          .set(b.as('owner'))
          .expect(200);
        const exported = JSON.parse(csv.text) as { contact_email: string }[];
        expect(exported).toHaveLength(500);
        expect(exported[0].contact_email).toBe('filtermatch3@x.example');
        const stats = await t.http().get('/api/admin/webhooks/stats').query({ search: 'filtermatch' }).set(b.as('admin')).expect(200);
        expect(stats.body.data).toMatchObject({ total: 1500, by_status: { failed: 500, processed: 1000 } });
        // A search matching more than the matches read (6,000): the newest logs, tested one by one.
        const dense = await list('owner', { search: 'densematch', status: 'failed', limit: 5 }, b);
        expect(dense.body.data).toMatchObject({ total: 1000, total_capped: true, has_more: true });
        expect(dense.body.data.logs.map((l: { contact_email: string }) => l.contact_email)).toEqual([
          'densematch1@x.example',
          'densematch2@x.example',
          'densematch3@x.example',
          'densematch4@x.example',
          'densematch5@x.example',
        ]);
      } finally {
        await t.owner.query(`DELETE FROM webhook_log WHERE dedup_key LIKE 'filtermatch-%' OR dedup_key LIKE 'densematch-%'`);
      }
    });

    it('a search matching more logs than the count cap still pages correctly', async () => {
      const MANY = 1_050;
      // MANY = 1,050 matches in B (more than the count cap), newest last; none in A.
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload, contact_email, created_at)
         SELECT $1, 'instantly', 'email.sent', 'email.sent', 'processed', 'bulkmatch-' || g, '{}'::jsonb,
                'bulkmatch' || g || '@b.example', now() - interval '1 hour' + g * interval '1 ms'
           FROM generate_series(1, $2::int) g`,
        [b.id, MANY],
      );
      const res = await list('owner', { search: 'BULKMATCH', limit: 50 }, b);
      expect(res.status).toBe(200);
      const emails = res.body.data.logs.map((l: { contact_email: string }) => l.contact_email);
      expect(emails).toEqual(Array.from({ length: 50 }, (_, i) => `bulkmatch${MANY - i}@b.example`));
      expect(res.body.data).toMatchObject({ has_more: true, total: 1000, total_capped: true });
      const next = await list('owner', { search: 'bulkmatch', limit: 50, cursor: res.body.data.next_cursor }, b);
      expect(next.body.data.logs[0].contact_email).toBe(`bulkmatch${MANY - 50}@b.example`);
      expect((await list('owner', { search: 'bulkmatch' }, a)).body.data.logs).toEqual([]);
      // A rarer substring among them goes through the index step: exact matches only.
      const rare = await list('owner', { search: 'bulkmatch1000@', limit: 500 }, b);
      expect(rare.body.data.logs.map((l: { contact_email: string }) => l.contact_email)).toEqual(['bulkmatch1000@b.example']);
      expect(rare.body.data).toMatchObject({ total: 1, total_capped: false, has_more: false });
      // bulkmatch1, 10-19, 100-199, 1000-1050: counted from the ids the index step returned, the same for every role that sees them.
      for (const role of ['owner', 'sb_admin'] as TokenRole[]) {
        expect((await list(role, { search: 'bulkmatch1', limit: 50 }, b)).body.data).toMatchObject({
          total: 162,
          total_capped: false,
          has_more: true,
        });
      }
      expect((await list('owner', { search: 'bulkmatch1' }, a)).body.data).toMatchObject({ total: 0, logs: [] });
      await t.owner.query(`DELETE FROM webhook_log WHERE dedup_key LIKE 'bulkmatch-%'`);
    });

    it('platform roles see every organization and unmapped logs', async () => {
      const [unmapped] = await seed(null, [{ contact_email: 'nobody@x.example', status: 'failed' }]);
      const res = await list('sb_operator', { search: 'nobody@x.example' });
      expect(res.body.data.logs.map((l: { id: string }) => l.id)).toEqual([unmapped]);
      expect(res.body.data.total).toBe(1);
      const own = await list('owner', { search: 'nobody@x.example' });
      expect(own.body.data).toMatchObject({ logs: [], total: 0 });
    });
  });

  describe('GET /logs/:id', () => {
    it('includes payload and attempt history; 404 for another organization and unknown ids; 400 for a malformed id', async () => {
      const res = await t
        .http()
        .post('/api/webhooks/instantly')
        .set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET })
        .send(instantlyPayload('lead_interested', randomUUID(), { campaign_id: `unmapped-${randomUUID()}` }));
      const id = res.body.data.id;
      await t.app.get(WebhookProcessorService).drain();
      const detail = await t.http().get(`/api/admin/webhooks/logs/${id}`).set(a.as('sb_admin'));
      expect(detail.status).toBe(200);
      expect(detail.body.data.payload.event_type).toBe('lead_interested');
      expect(detail.body.data.attempt_history).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'error', message: expect.stringMatching(/no organization is mapped/) }),
      ]);
      expect((await t.http().get(`/api/admin/webhooks/logs/${id}`).set(a.as('owner'))).status).toBe(404);
      const bLog = (await t.owner.query(`SELECT id FROM webhook_log WHERE organization_id = $1 LIMIT 1`, [b.id])).rows[0].id;
      expect((await t.http().get(`/api/admin/webhooks/logs/${bLog}`).set(a.as('admin'))).status).toBe(404);
      expect((await t.http().get(`/api/admin/webhooks/logs/${bLog}`).set(b.as('member'))).status).toBe(200);
      expect((await t.http().get(`/api/admin/webhooks/logs/${randomUUID()}`).set(a.as('sb_admin'))).status).toBe(404);
      expect((await t.http().get(`/api/admin/webhooks/logs/not-a-uuid`).set(a.as('sb_admin'))).status).toBe(400);
    });
  });

  describe('retry', () => {
    it('puts a failed log back to pending, and the processor picks it up', async () => {
      const workspace = randomUUID();
      const res = await t
        .http()
        .post('/api/webhooks/instantly')
        .set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET })
        .send(instantlyPayload('email_opened', workspace, { lead_email: 'retry@a.example', campaign_id: `unmapped-${randomUUID()}` }));
      const id = res.body.data.id;
      const processor = t.app.get(WebhookProcessorService);
      for (let i = 0; i < 2; i++) {
        await t.owner.query(`UPDATE webhook_log SET next_attempt_at = now() WHERE id = $1`, [id]);
        await processor.drain();
      }
      expect((await t.owner.query(`SELECT status FROM webhook_log WHERE id = $1`, [id])).rows[0].status).toBe('failed');
      await t.owner.query(`UPDATE organization SET instantly_workspace_id = $1 WHERE id = $2`, [workspace, a.id]);
      const retry = await t.http().post(`/api/admin/webhooks/logs/${id}/retry`).set(a.as('sb_operator')).send({});
      expect(retry.status).toBe(200);
      expect(retry.body.data).toMatchObject({ id, status: 'pending', retry_count: 1 });
      expect((await t.http().post(`/api/admin/webhooks/logs/${id}/retry`).set(a.as('sb_operator')).send({})).status).toBe(409);
      await processor.drain();
      expect((await t.owner.query(`SELECT status, retry_count, last_retry_at FROM webhook_log WHERE id = $1`, [id])).rows[0]).toMatchObject(
        { status: 'processed', retry_count: 1 },
      );
      const again = await t.http().post(`/api/admin/webhooks/logs/${id}/retry`).set(a.as('sb_admin')).send({});
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/force/);
      expect((await t.http().post(`/api/admin/webhooks/logs/${id}/retry`).set(a.as('sb_admin')).send({ force: true })).status).toBe(200);
      const act = await t.owner.query(`SELECT * FROM activity_log WHERE action = 'webhook.retry' AND target_id = $1`, [id]);
      expect(act.rows).toHaveLength(2);
      expect(act.rows[0].actor_role).toBe('sb_operator');
    });

    it('404 for unknown, 400 for malformed, 403 for organization roles', async () => {
      expect((await t.http().post(`/api/admin/webhooks/logs/${randomUUID()}/retry`).set(a.as('sb_admin')).send({})).status).toBe(404);
      expect((await t.http().post(`/api/admin/webhooks/logs/xyz/retry`).set(a.as('sb_admin')).send({})).status).toBe(400);
      for (const role of ['owner', 'admin', 'member', 'viewer'] as TokenRole[]) {
        expect((await t.http().post(`/api/admin/webhooks/logs/${randomUUID()}/retry`).set(a.as(role)).send({})).status).toBe(403);
      }
    });
  });

  describe('bulk retry', () => {
    it('by ids changes exactly the retryable rows and reports the others with reasons', async () => {
      const org = await createOrgFixture(t.owner, 'Bulk');
      const [f1, f2, s1, p1, q1] = await seed(org, [
        { status: 'failed' },
        { status: 'failed' },
        { status: 'skipped' },
        { status: 'processed' },
        { status: 'pending' },
      ]);
      const unknown = randomUUID();
      const res = await t
        .http()
        .post('/api/admin/webhooks/logs/bulk-retry')
        .set(org.as('sb_admin'))
        .send({ log_ids: [f1, f2, s1, p1, q1, unknown, f1] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        success_count: 3,
        failed_count: 3,
        message: 'Queued 3 webhooks for retry, 3 failed',
        failed_reasons: { not_found: 1, already_pending: 1, processed_needs_force: 1 },
      });
      const rows = (await t.owner.query(`SELECT id, status, retry_count FROM webhook_log WHERE organization_id = $1`, [org.id])).rows;
      const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
      expect([f1, f2, s1].map((id) => byId[id])).toEqual([f1, f2, s1].map((id) => ({ id, status: 'pending', retry_count: 1 })));
      expect(byId[p1]).toMatchObject({ status: 'processed', retry_count: 0 });
      expect(byId[q1]).toMatchObject({ status: 'pending', retry_count: 0 });
    });

    it('by ids as a dry run changes nothing and reports what would be retried and why not the others', async () => {
      const org = await createOrgFixture(t.owner, 'Bulk dry');
      const [f1, p1, q1] = await seed(org, [{ status: 'failed' }, { status: 'processed' }, { status: 'processing' }]);
      const res = await t
        .http()
        .post('/api/admin/webhooks/logs/bulk-retry')
        .set(org.as('sb_admin'))
        .send({ log_ids: [f1, p1, q1, randomUUID()], dry_run: true });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        success_count: 1,
        failed_count: 3,
        message: 'Would queue 1 webhooks for retry',
        dry_run: true,
        failed_reasons: { not_found: 1, already_pending: 1, processed_needs_force: 1 },
      });
      const forced = await t
        .http()
        .post('/api/admin/webhooks/logs/bulk-retry')
        .set(org.as('sb_admin'))
        .send({ log_ids: [f1, p1], dry_run: true, force: true });
      expect(forced.body).toMatchObject({
        success_count: 2,
        failed_count: 0,
        failed_reasons: { not_found: 0, already_pending: 0, processed_needs_force: 0 },
      });
      const rows = (await t.owner.query(`SELECT status, retry_count FROM webhook_log WHERE organization_id = $1 ORDER BY status`, [org.id]))
        .rows;
      expect(rows).toEqual([
        { status: 'failed', retry_count: 0 },
        { status: 'processed', retry_count: 0 },
        { status: 'processing', retry_count: 0 },
      ]);
    });

    it('by filter queues the matching logs in one statement; a worker takes them and processes each once', async () => {
      const workspace = randomUUID();
      const email = `queued-${randomUUID().slice(0, 8)}@a.example`;
      const post = async (type: string) =>
        (
          await t
            .http()
            .post('/api/webhooks/instantly')
            .set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET })
            .send(instantlyPayload(type, workspace, { lead_email: email, campaign_id: `unmapped-${randomUUID()}` }))
        ).body.data.id as string;
      const ids = [await post('email_opened'), await post('email_clicked')];
      const processor = t.app.get(WebhookProcessorService);
      // No organization takes them: failed at the first attempt, no automatic retries.
      await processor.drain();
      const state = async () =>
        (await t.owner.query(`SELECT id, status, retry_count, organization_id FROM webhook_log WHERE id = ANY($1) ORDER BY id`, [ids]))
          .rows;
      const queued = async () =>
        (await t.owner.query(`SELECT count(*)::int n FROM webhook_log_retry WHERE log_id = ANY($1)`, [ids])).rows[0].n;
      expect((await state()).map((r) => r.status)).toEqual(['failed', 'failed']);
      const org = await createOrgFixture(t.owner, 'Bulk filter');
      await t.owner.query(`UPDATE organization SET instantly_workspace_id = $1 WHERE id = $2`, [workspace, org.id]);

      const body = { filter: { contact_email: email, status: 'failed' } };
      const send = (extra: object = {}) =>
        t
          .http()
          .post('/api/admin/webhooks/logs/bulk-retry')
          .set(org.as('sb_operator'))
          .send({ ...body, ...extra });
      expect((await send({ dry_run: true })).body).toMatchObject({
        success: true,
        success_count: 2,
        dry_run: true,
        message: 'Would queue 2 webhooks for retry',
      });
      expect(await queued()).toBe(0);
      expect((await send()).body).toEqual({
        success: true,
        success_count: 2,
        failed_count: 0,
        message: 'Queued 2 webhooks for retry, 0 failed',
        failed_reasons: { already_queued: 0 },
      });
      expect((await send()).body).toMatchObject({ success_count: 0, failed_count: 2, failed_reasons: { already_queued: 2 } });
      expect((await send({ dry_run: true })).body).toMatchObject({
        success_count: 0,
        failed_count: 2,
        failed_reasons: { already_queued: 2 },
      });
      // Queued, not rewritten: the logs keep their status and show when they were queued.
      expect(await queued()).toBe(2);
      expect((await state()).map((r) => r.status)).toEqual(['failed', 'failed']);
      const detail = (await t.http().get(`/api/admin/webhooks/logs/${ids[0]}`).set(org.as('sb_admin'))).body.data;
      expect(detail).toMatchObject({ status: 'failed', retry_queued_at: expect.any(String) });
      const listed = (await t.http().get('/api/admin/webhooks/logs').query({ contact_email: email }).set(org.as('sb_admin'))).body.data
        .logs;
      expect(listed.map((l: { retry_queued_at: string | null }) => typeof l.retry_queued_at)).toEqual(['string', 'string']);

      await processor.drain();
      expect(await queued()).toBe(0);
      expect(await state()).toEqual(ids.sort().map((id) => ({ id, status: 'processed', retry_count: 1, organization_id: org.id })));
      const history = (await t.owner.query(`SELECT attempt_history FROM webhook_log WHERE id = $1`, [ids[0]])).rows[0].attempt_history;
      expect(history.map((h: { outcome: string }) => h.outcome)).toEqual(['error', 'processed']);
      expect((await t.http().get(`/api/admin/webhooks/logs/${ids[0]}`).set(org.as('owner'))).body.data.retry_queued_at).toBeNull();
      const act = await t.owner.query(
        `SELECT item_count, actor_role FROM activity_log WHERE action = 'webhook.bulk_retry' ORDER BY created_at DESC LIMIT 1`,
      );
      expect(act.rows[0]).toEqual({ item_count: 2, actor_role: 'sb_operator' });
      // Processed logs only with force.
      expect(
        (
          await t
            .http()
            .post('/api/admin/webhooks/logs/bulk-retry')
            .set(org.as('sb_admin'))
            .send({ filter: { contact_email: email } })
        ).body.success_count,
      ).toBe(0);
      expect(
        (
          await t
            .http()
            .post('/api/admin/webhooks/logs/bulk-retry')
            .set(org.as('sb_admin'))
            .send({ filter: { contact_email: email }, force: true })
        ).body.success_count,
      ).toBe(2);
      await processor.drain();
      expect((await state()).map((r) => r.retry_count)).toEqual([2, 2]);
    });

    it('a queued log retried by hand meanwhile runs once; one deleted meanwhile leaves nothing behind', async () => {
      const org = await createOrgFixture(t.owner, 'Bulk queue races');
      const [byHand, deleted] = await seed(org, [{ status: 'failed' }, { status: 'failed' }]);
      const run = await t
        .http()
        .post('/api/admin/webhooks/logs/bulk-retry')
        .set(org.as('sb_admin'))
        .send({ filter: { organization_id: org.id } });
      expect(run.body.success_count).toBe(2);
      expect((await t.http().post(`/api/admin/webhooks/logs/${byHand}/retry`).set(org.as('sb_admin')).send({})).body.data).toMatchObject({
        status: 'pending',
        retry_count: 1,
      });
      await t.owner.query(`DELETE FROM webhook_log WHERE id = $1`, [deleted]);
      await t.app.get(WebhookProcessorService).drain();
      const row = (await t.owner.query(`SELECT status, retry_count, attempt_history FROM webhook_log WHERE id = $1`, [byHand])).rows[0];
      expect(row.retry_count).toBe(1);
      // Its one run failed (the seeded payload names no workspace, so at once, without automatic
      // retries); the queue entry did not make it run a second time.
      expect(row.status).toBe('failed');
      expect(row.attempt_history).toEqual([expect.objectContaining({ attempt: 1, outcome: 'error' })]);
      expect(
        (await t.owner.query(`SELECT count(*)::int n FROM webhook_log_retry WHERE log_id = ANY($1)`, [[byHand, deleted]])).rows[0].n,
      ).toBe(0);
    });

    it('10,000 ids in one call', async () => {
      const org = await createOrgFixture(t.owner, 'Bulk 10k');
      const ids = (
        await t.owner.query(
          `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload)
           SELECT $1, 'instantly', 'email.sent', 'failed', md5(random()::text || g), '{}'::jsonb FROM generate_series(1, 10000) g RETURNING id`,
          [org.id],
        )
      ).rows.map((r) => r.id);
      const res = await t.http().post('/api/admin/webhooks/logs/bulk-retry').set(org.as('sb_operator')).send({ log_ids: ids });
      expect(res.body).toMatchObject({ success_count: 10000, failed_count: 0 });
      expect(
        (await t.owner.query(`SELECT count(*)::int n FROM webhook_log WHERE organization_id = $1 AND status = 'pending'`, [org.id])).rows[0]
          .n,
      ).toBe(10000);
      // Not left for the processor: the later tests of this file would wait behind 10,000 logs.
      await t.owner.query(`DELETE FROM webhook_log WHERE organization_id = $1`, [org.id]);
    });

    it.each([
      [{}, /exactly one of log_ids/],
      [{ log_ids: [] }, /log_ids must contain at least 1/],
      [{ log_ids: ['x'] }, /each value in log_ids must be a UUID/],
      [{ log_ids: Array.from({ length: 10001 }, () => randomUUID()) }, /log_ids must contain no more than 10000/],
      [{ log_ids: [randomUUID()], filter: {} }, /exactly one of/],
      [{ filter: { status: 'nope' } }, /filter.status/],
      [{ log_ids: 'abc' }, /log_ids must be an array/],
    ])('bad body %#: 400', async (body, message) => {
      const res = await t.http().post('/api/admin/webhooks/logs/bulk-retry').set(a.as('sb_admin')).send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
    });

    it('organization roles may not bulk retry', async () => {
      for (const role of ['owner', 'admin', 'member', 'viewer'] as TokenRole[]) {
        expect(
          (
            await t
              .http()
              .post('/api/admin/webhooks/logs/bulk-retry')
              .set(a.as(role))
              .send({ log_ids: [randomUUID()] })
          ).status,
        ).toBe(403);
      }
    });
  });

  describe('export', () => {
    const parseCsv = (text: string): string[][] => {
      const rows: string[][] = [];
      let row: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
          if (c === '"' && text[i + 1] === '"') {
            cell += '"';
            i++;
          } else if (c === '"') quoted = false;
          else cell += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') {
          row.push(cell);
          cell = '';
        } else if (c === '\n') {
          row.push(cell);
          rows.push(row);
          row = [];
          cell = '';
        } else cell += c;
      }
      if (cell || row.length) {
        row.push(cell);
        rows.push(row);
      }
      return rows;
    };

    it('CSV: header, quoting, formula neutralising, file name', async () => {
      const org = await createOrgFixture(t.owner, 'Export');
      await seed(org, [
        { campaign_name: 'Comma, "quoted"\nnewline', contact_email: 'x@e.example', error_message: '=1+2' },
        { campaign_name: '+SUM(A1)', contact_email: '-neg@e.example', error_message: '@cmd' },
      ]);
      const res = await t
        .http()
        .get('/api/admin/webhooks/logs/export')
        .query({ format: 'csv' })
        .set(org.as('owner'))
        .buffer(true)
        .parse((r, cb) => {
          let s = '';
          r.on('data', (d: Buffer) => (s += d.toString()));
          r.on('end', () => cb(null, s));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/csv/);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename=webhook_logs_\d{8}_\d{6}\.csv$/);
      const rows = parseCsv(res.body as string);
      expect(rows[0]).toEqual([
        'id',
        'event_type',
        'event_source',
        'campaign_name',
        'contact_email',
        'status',
        'error_message',
        'created_at',
      ]);
      expect(rows).toHaveLength(3);
      const byEmail = Object.fromEntries(rows.slice(1).map((r) => [r[4], r]));
      expect(byEmail['x@e.example'][3]).toBe('Comma, "quoted"\nnewline');
      expect(byEmail['x@e.example'][6]).toBe("'=1+2");
      expect(byEmail["'-neg@e.example"][3]).toBe("'+SUM(A1)");
      expect(byEmail["'-neg@e.example"][6]).toBe("'@cmd");
      // Timestamps are ISO 8601 UTC with milliseconds, newest first, the same instants as stored.
      const stored = await t.owner.query(
        `SELECT id, created_at FROM webhook_log WHERE organization_id = $1 ORDER BY created_at DESC, id DESC`,
        [org.id],
      );
      expect(rows.slice(1).map((r) => [r[0], r[7]])).toEqual(stored.rows.map((r) => [r.id, (r.created_at as Date).toISOString()]));
      // Nothing matches: the header alone; the same for JSON: an empty array.
      const none = await t.http().get('/api/admin/webhooks/logs/export').query({ format: 'csv', status: 'pending' }).set(org.as('owner'));
      expect(none.text).toBe('"id","event_type","event_source","campaign_name","contact_email","status","error_message","created_at"');
      const noneJson = await t
        .http()
        .get('/api/admin/webhooks/logs/export')
        .query({ format: 'json', status: 'pending' })
        .set(org.as('owner'));
      expect(JSON.parse(noneJson.text)).toEqual([]);
    });

    it('JSON: a valid array, filters applied, own rows only', async () => {
      const res = await t.http().get('/api/admin/webhooks/logs/export').query({ format: 'json', status: 'failed' }).set(a.as('admin'));
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/filename=webhook_logs_\d{8}_\d{6}\.json/);
      const body = JSON.parse(res.text);
      expect(Array.isArray(body)).toBe(true);
      expect(body.length).toBeGreaterThan(0);
      expect(body.every((r: { organization_id: string; status: string }) => r.organization_id === a.id && r.status === 'failed')).toBe(
        true,
      );
      const first = (await t.owner.query(`SELECT created_at, processed_at FROM webhook_log WHERE id = $1`, [body[0].id])).rows[0];
      expect(body[0].created_at).toBe((first.created_at as Date).toISOString());
      expect(body[0].processed_at).toBe(first.processed_at ? (first.processed_at as Date).toISOString() : null);
      const empty = await t
        .http()
        .get('/api/admin/webhooks/logs/export')
        .query({ format: 'json', search: 'no-such-thing-anywhere' })
        .set(a.as('admin'));
      expect(JSON.parse(empty.text)).toEqual([]);
    });

    it("an organization admin's CSV export holds only their rows; member and viewer may not export", async () => {
      const res = await t.http().get('/api/admin/webhooks/logs/export').set(b.as('owner'));
      const rows = res.text.trim().split('\n').slice(1);
      expect(rows.length).toBe(2);
      expect(res.text).not.toMatch(/@a\.example/);
      for (const role of ['member', 'viewer'] as TokenRole[]) {
        expect((await t.http().get('/api/admin/webhooks/logs/export').set(a.as(role))).status).toBe(403);
      }
      expect((await t.http().get('/api/admin/webhooks/logs/export').query({ format: 'xml' }).set(a.as('owner'))).status).toBe(400);
    });

    it('a client that disconnects mid-stream frees the connection', async () => {
      const org = await createOrgFixture(t.owner, 'Disconnect');
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, campaign_name)
         SELECT $1, 'instantly', 'email.sent', 'processed', md5(random()::text || g), '{}'::jsonb, repeat('x', 200) FROM generate_series(1, 60000) g`,
        [org.id],
      );
      const port = await t.listen();
      await new Promise<void>((resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port, path: '/api/admin/webhooks/logs/export?format=csv', headers: org.as('owner') },
          (res) => {
            let got = 0;
            res.on('data', (d: Buffer) => {
              got += d.length;
              if (got > 100_000) {
                req.destroy();
                resolve();
              }
            });
            res.on('end', () => reject(new Error('the whole export arrived before the client could disconnect')));
          },
        );
        req.on('error', () => undefined);
      });
      const deadline = Date.now() + 10000;
      let busy = 1;
      while (Date.now() < deadline) {
        busy = (
          await t.owner.query(
            `SELECT count(*)::int n FROM pg_stat_activity WHERE datname = current_database() AND usename = 'salesbrain_test_login' AND state <> 'idle'`,
          )
        ).rows[0].n;
        if (busy === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(busy).toBe(0);
      expect((await t.http().get('/api/health')).status).toBe(200);
    });
  });

  describe('cleanup', () => {
    it('removes only rows older than asked and of the asked status; sb_admin only', async () => {
      const org = await createOrgFixture(t.owner, 'Cleanup');
      const old = new Date(Date.now() - 40 * 86_400_000);
      const [oldProcessed, oldFailed, oldPending, recentProcessed] = await seed(org, [
        { status: 'processed', created_at: old },
        { status: 'failed', created_at: old },
        { status: 'pending', created_at: old },
        { status: 'processed', created_at: new Date(Date.now() - 10 * 86_400_000) },
      ]);
      for (const role of ['sb_operator', 'owner', 'admin'] as TokenRole[]) {
        expect((await t.http().delete('/api/admin/webhooks/logs/cleanup').set(org.as(role))).status).toBe(403);
      }
      const byStatus = await t
        .http()
        .delete('/api/admin/webhooks/logs/cleanup')
        .query({ older_than_days: 30, status: 'failed' })
        .set(org.as('sb_admin'));
      expect(byStatus.body).toEqual({ success: true, deleted_count: expect.any(Number) });
      const left = async () =>
        (await t.owner.query(`SELECT id FROM webhook_log WHERE organization_id = $1`, [org.id])).rows.map((r) => r.id).sort();
      expect(await left()).toEqual([oldProcessed, oldPending, recentProcessed].sort());
      await t.http().delete('/api/admin/webhooks/logs/cleanup').set(org.as('sb_admin')).expect(200);
      expect(await left()).toEqual([oldPending, recentProcessed].sort());
      expect(oldFailed).toBeDefined();
      expect((await t.http().delete('/api/admin/webhooks/logs/cleanup').query({ older_than_days: 0 }).set(org.as('sb_admin'))).status).toBe(
        400,
      );
      const act = await t.owner.query(`SELECT * FROM activity_log WHERE action = 'webhook.cleanup' ORDER BY created_at DESC LIMIT 1`);
      expect(act.rows[0]).toMatchObject({ actor_role: 'sb_admin' });
    });

    it('deletes past its batch size, in key order, and leaves every row it should keep', async () => {
      const org = await createOrgFixture(t.owner, 'Cleanup batches');
      // 12,001 old processed logs (three batches of 5,000), with old pending ones and recent ones
      // interleaved in time and equal timestamps among them (the key is (created_at, id)).
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, created_at)
         SELECT $1, 'instantly', 'email.sent', CASE WHEN g % 1000 = 0 THEN 'pending' ELSE 'processed' END, md5('cb' || g), '{}',
                now() - interval '40 days' - (g / 3) * interval '1 second'
           FROM generate_series(1, 12013) g`,
        [org.id],
      );
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, created_at)
         SELECT $1, 'instantly', 'email.sent', 'processed', md5('cr' || g), '{}', now() - interval '1 day' FROM generate_series(1, 7) g`,
        [org.id],
      );
      const res = await t
        .http()
        .delete('/api/admin/webhooks/logs/cleanup')
        .query({ older_than_days: 30, status: 'processed' })
        .set(org.as('sb_admin'));
      expect(res.status).toBe(200);
      expect(res.body.deleted_count).toBe(12001);
      const left = await t.owner.query(
        `SELECT status, count(*)::int AS n FROM webhook_log WHERE organization_id = $1 GROUP BY status ORDER BY status`,
        [org.id],
      );
      expect(left.rows).toEqual([
        { status: 'pending', n: 12 },
        { status: 'processed', n: 7 },
      ]);
    });
  });

  describe('stats, event types, sources', () => {
    it('counts by status, type and source with failure rate and buckets, own organization only', async () => {
      const res = await t.http().get('/api/admin/webhooks/stats').query({ interval: 'day' }).set(b.as('member'));
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        total: 2,
        by_status: { failed: 1, processed: 1 },
        by_event_type: { 'email.opened': 1, 'email.sent': 1 },
        by_source: { instantly: 2 },
        failure_rate: 0.5,
        interval: 'day',
      });
      expect(res.body.data.buckets).toEqual([{ bucket: expect.any(String), total: 2, failed: 1 }]);
      const hourly = await t.http().get('/api/admin/webhooks/stats').query({ interval: 'hour' }).set(a.as('sb_admin'));
      expect(hourly.status).toBe(200);
      expect(hourly.body.data.total).toBeGreaterThan(2);
      expect((await t.http().get('/api/admin/webhooks/stats').query({ interval: 'week' }).set(a.as('sb_admin'))).status).toBe(400);
      expect((await t.http().get('/api/admin/webhooks/stats').set(a.as('viewer'))).status).toBe(403);
    });

    it('event types and sources for every role', async () => {
      for (const role of ALL_ROLES) {
        const types = await t.http().get('/api/admin/webhooks/event-types').set(a.as(role));
        expect(types.status).toBe(200);
        expect(types.body.data).toHaveLength(23);
        expect(types.body.data).toContainEqual(
          expect.objectContaining({ value: 'email.link_clicked', native: ['link_clicked', 'email_link_clicked'] }),
        );
        const sources = await t.http().get('/api/admin/webhooks/sources').set(a.as(role));
        expect(sources.body.data.map((s: { value: string }) => s.value)).toEqual([
          'instantly',
          'weconnect',
          'n8n',
          'zapier',
          'make',
          'custom',
          'manual',
          'system',
        ]);
      }
      expect((await t.http().get('/api/admin/webhooks/sources')).status).toBe(401);
    });
  });
});

describe('webhook stats cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_STATS_CACHE_SECONDS: '60' });
  });
  afterAll(() => t.close());

  it('reuses an answer per organization and filter, never across organizations', async () => {
    const a = await createOrgFixture(t.owner, 'Cache A');
    const b = await createOrgFixture(t.owner, 'Cache B');
    const add = (org: OrgFixture) =>
      t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload) VALUES ($1, 'instantly', 'email.sent', 'processed', md5(random()::text), '{}')`,
        [org.id],
      );
    await add(a);
    const first = await t.http().get('/api/admin/webhooks/stats').set(a.as('owner'));
    expect(first.body.data.total).toBe(1);
    expect(first.body.data.cached_at).toBeUndefined();
    await add(a);
    const second = await t.http().get('/api/admin/webhooks/stats').set(a.as('member'));
    expect(second.body.data).toMatchObject({ total: 1, cached_at: expect.any(String) });
    const other = await t.http().get('/api/admin/webhooks/stats').set(b.as('owner'));
    expect(other.body.data.total).toBe(0);
    const filtered = await t.http().get('/api/admin/webhooks/stats').query({ status: 'processed' }).set(a.as('owner'));
    expect(filtered.body.data.total).toBe(2);
  });
});
