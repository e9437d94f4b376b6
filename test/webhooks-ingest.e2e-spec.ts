import { randomUUID } from 'crypto';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { instantlyPayload } from './support/instantly';
import { createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

const SECRET = { 'x-webhook-secret': TEST_INSTANTLY_SECRET };

describe('webhook receipt and processing', () => {
  let t: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let processor: WebhookProcessorService;

  const post = (body: unknown, headers: Record<string, string> = SECRET) =>
    t
      .http()
      .post('/api/webhooks/instantly')
      .set(headers)
      .send(body as object);
  const countLogs = async (where = 'true', params: unknown[] = []) =>
    (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE ${where}`, params)).rows[0].n as number;
  const logRow = async (id: string) => (await t.owner.query(`SELECT * FROM webhook_log WHERE id = $1`, [id])).rows[0];
  const contact = async (orgId: string, email: string) =>
    (await t.owner.query(`SELECT * FROM contact WHERE organization_id = $1 AND lower(email) = lower($2)`, [orgId, email])).rows[0];

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_MS: '1000' });
    processor = t.app.get(WebhookProcessorService);
    org = await createOrgFixture(t.owner, 'Hooks');
    other = await createOrgFixture(t.owner, 'Hooks other');
  });
  afterAll(() => t.close());

  describe('receipt', () => {
    it('stores the event before answering 200 with its id', async () => {
      const res = await post(instantlyPayload('email_opened', org.workspaceId));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, data: { id: expect.any(String), duplicate: false } });
      const row = await logRow(res.body.data.id);
      expect(row).toMatchObject({
        event_source: 'instantly',
        event_type: 'email.opened',
        raw_event_type: 'email_opened',
        status: 'pending',
      });
      expect(row.payload.custom_field_industry).toBe('Software');
      expect(row.contact_email).toBe('lea.lead@prospect.example');
      expect(row.campaign_name).toBe('Outbound Q4');
    });

    it.each([
      ['missing secret', {}],
      ['wrong secret', { 'x-webhook-secret': 'wrong-secret-wrong-secret' }],
      ['secret with one character off', { 'x-webhook-secret': TEST_INSTANTLY_SECRET.slice(0, -1) + 'X' }],
    ])('%s: 401 and nothing stored', async (_, headers) => {
      const marker = randomUUID();
      const res = await post(instantlyPayload('email_sent', org.workspaceId, { email_id: marker }), headers);
      expect(res.status).toBe(401);
      expectErrorBody(res.body, 401);
      expect(await countLogs(`payload->>'email_id' = $1`, [marker])).toBe(0);
    });

    it('receipt, refusals and every other answer carry the security headers and the request id; a deeper path under /api/webhooks/ goes on to the application', async () => {
      const stored = await post(instantlyPayload('email_sent', org.workspaceId), { ...SECRET, 'x-request-id': 'sender-req-42' });
      const refused = await post(instantlyPayload('email_sent', org.workspaceId), { 'x-webhook-secret': 'wrong-secret-wrong-secret' });
      const unknownSource = await t
        .http()
        .post('/api/webhooks/nosuchsource')
        .set({ 'x-webhook-secret': 'whatever-secret', 'x-request-id': 'bad id with spaces' })
        .send({ event_type: 'x' });
      // Deeper than a source: not a receiver, so the application (and Nest's router) answers it.
      const deeper = await t.http().post('/api/webhooks/instantly/extra').set(SECRET).send({ event_type: 'email_sent' });
      const admin = await t.http().get('/api/health');
      // A source that is not valid percent-encoding: a clear 400 from the receivers' router, not a fall-through.
      const malformed = await t.http().post('/api/webhooks/%E0%A4%A').set(SECRET).send({ event_type: 'email_sent' });
      expect(malformed.status).toBe(400);
      expectErrorBody(malformed.body, 400);
      expect([stored.status, refused.status, unknownSource.status, deeper.status]).toEqual([200, 401, 404, 404]);
      expectErrorBody(deeper.body, 404);
      expect(stored.headers['x-request-id']).toBe('sender-req-42');
      for (const res of [stored, refused, unknownSource, deeper, admin]) {
        // helmet's headers, the request id (a new one when the sent one is not well formed), no X-Powered-By.
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'SAMEORIGIN',
          'content-security-policy': expect.any(String),
        });
        expect(res.headers['x-request-id']).toMatch(res === stored ? /^sender-req-42$/ : /^[0-9a-f-]{36}$/);
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      }
    });

    it('a body over 1 MB: 413 and nothing stored', async () => {
      const marker = randomUUID();
      const res = await post(instantlyPayload('email_sent', org.workspaceId, { email_id: marker, blob: 'x'.repeat(1024 * 1024) }));
      expect(res.status).toBe(413);
      expect(await countLogs(`payload->>'email_id' = $1`, [marker])).toBe(0);
    });

    it.each([
      ['not JSON', '{"event_type": "email_sent",'],
      ['a JSON array', '[{"event_type": "email_sent"}]'],
      ['a JSON string', '"email_sent"'],
      ['no event_type', JSON.stringify({ workspace: 'w', lead_email: 'a@b.c' })],
      ['an empty event_type', JSON.stringify({ event_type: '  ' })],
      ['a numeric event_type', JSON.stringify({ event_type: 7 })],
    ])('%s: 400 and nothing stored', async (_, raw) => {
      const before = await countLogs();
      const res = await t.http().post('/api/webhooks/instantly').set(SECRET).set('Content-Type', 'application/json').send(raw);
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
      expect(await countLogs()).toBe(before);
    });

    it('every form of the request line gets the same checks: a wrong secret is a 401 before a 5 MB body is read (absolute form, any case)', async () => {
      const port = await t.listen();
      const { connect } = await import('net');
      const ask = (line: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            // Headers only: the 5 MB body is announced and never sent.
            socket.write(
              `${line}\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nx-webhook-secret: wrong-secret-wrong-secret\r\n\r\n`,
            );
          });
          let text = '';
          socket.on('data', (d) => {
            text += d.toString();
            if (text.includes('\r\n\r\n')) socket.destroy();
          });
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
        });
      for (const line of [
        `POST http://127.0.0.1:${port}/api/webhooks/instantly HTTP/1.1`,
        'POST http://elsewhere.example/api/webhooks/n8n HTTP/1.1',
        'POST /API/WEBHOOKS/INSTANTLY HTTP/1.1',
        'POST /api/webhooks/instantly HTTP/1.1',
      ]) {
        expect((await ask(line)).split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
      }
    });

    it('JSON sent with another content type is still read', async () => {
      const res = await t
        .http()
        .post('/api/webhooks/instantly')
        .set(SECRET)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(instantlyPayload('email_sent', org.workspaceId)));
      expect(res.status).toBe(200);
    });

    it('unknown and unconfigured sources: 404', async () => {
      expect((await t.http().post('/api/webhooks/hubspot').set(SECRET).send({ event_type: 'x' })).status).toBe(404);
      expect((await t.http().post('/api/webhooks/zapier').set(SECRET).send({ event_type: 'x' })).status).toBe(404);
      expect((await t.http().post('/api/webhooks/manual').set(SECRET).send({ event_type: 'x' })).status).toBe(404);
    });

    it('another configured source uses its own secret and is stored with its name', async () => {
      expect((await t.http().post('/api/webhooks/n8n').set(SECRET).send({ event_type: 'x' })).status).toBe(401);
      const res = await t
        .http()
        .post('/api/webhooks/n8n')
        .set({ 'x-webhook-secret': 'n8n-test-secret-0123456789' })
        .send({ event_type: 'workflow.done', id: randomUUID() });
      expect(res.status).toBe(200);
      expect(await logRow(res.body.data.id)).toMatchObject({
        event_source: 'n8n',
        event_type: 'lead.custom_label',
        raw_event_type: 'workflow.done',
      });
    });

    it('the same event 20 times at once: one row, 20 answers with the same id', async () => {
      const body = instantlyPayload('email_sent', org.workspaceId);
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(body)));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const ids = new Set(answers.map((a) => a.body.data.id));
      expect(ids.size).toBe(1);
      expect(answers.filter((a) => a.body.data.duplicate === false)).toHaveLength(1);
      expect(await countLogs(`payload->>'email_id' = $1`, [body.email_id])).toBe(1);
      const again = await post(body);
      expect(again.body.data).toEqual({ id: [...ids][0], duplicate: true });
    });

    it('distinct events in a burst are each stored once', async () => {
      const bodies = Array.from({ length: 200 }, (_, i) =>
        instantlyPayload('email_sent', org.workspaceId, { lead_email: `burst${i}@x.example` }),
      );
      const answers = await Promise.all(bodies.map((b) => post(b)));
      expect(answers.every((a) => a.status === 200 && a.body.data.duplicate === false)).toBe(true);
      expect(new Set(answers.map((a) => a.body.data.id)).size).toBe(200);
      expect(await countLogs(`contact_email LIKE 'burst%'`)).toBe(200);
    });

    it('a NUL character in the payload is stored, not refused', async () => {
      const res = await post(instantlyPayload('email_sent', org.workspaceId, { personalization: 'a\u0000b' }));
      expect(res.status).toBe(200);
    });

    it('keys that would poison a prototype are dropped and the event stored with every other field (any JSON object is a valid event)', async () => {
      const body = JSON.stringify(instantlyPayload('email_sent', org.workspaceId, { note: 'kept' })).replace(
        /^\{/,
        '{"__proto__":{"isAdmin":true},"meta":{"constructor":{"prototype":{"x":1}},"ok":1},',
      );
      const res = await t
        .http()
        .post('/api/webhooks/instantly')
        .set('x-webhook-secret', TEST_INSTANTLY_SECRET)
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(200);
      const stored = await t.owner.query(`SELECT payload FROM webhook_log WHERE id = $1`, [res.body.data.id]);
      expect(stored.rows[0].payload).toMatchObject({ note: 'kept', meta: { ok: 1 } });
      expect(Object.keys(stored.rows[0].payload)).not.toContain('__proto__');
      expect(Object.keys(stored.rows[0].payload.meta)).not.toContain('constructor');
    });
  });

  describe('processing', () => {
    beforeAll(async () => {
      await processor.drain();
    });

    const NATIVE: [string, string, Record<string, unknown>][] = [
      ['email_sent', 'email.sent', { emails_sent: 1, lead_score: 0 }],
      ['email_opened', 'email.opened', { opens: 1, lead_score: 1 }],
      ['link_clicked', 'email.link_clicked', { clicks: 1, lead_score: 3 }],
      ['email_link_clicked', 'email.link_clicked', { clicks: 1, lead_score: 3 }],
      ['reply_received', 'email.replied', { replies: 1, lead_score: 10, lead_status: 'replied' }],
      ['auto_reply_received', 'email.auto_replied', { lead_score: 0 }],
      ['email_bounced', 'email.bounced', { bounced: true, lead_score: -10, lead_status: 'bounced' }],
      ['lead_unsubscribed', 'lead.unsubscribed', { unsubscribed: true, lead_score: -30 }],
      ['lead_neutral', 'lead.neutral', { lead_status: 'neutral' }],
      ['lead_interested', 'lead.interested', { lead_status: 'interested', lead_score: 20 }],
      ['lead_not_interested', 'lead.not_interested', { lead_status: 'not_interested', lead_score: -20 }],
      ['lead_meeting_booked', 'lead.meeting_booked', { lead_status: 'meeting_booked', lead_score: 30 }],
      ['lead_meeting_completed', 'lead.meeting_completed', { lead_status: 'meeting_completed', lead_score: 20 }],
      ['lead_closed', 'lead.closed', { lead_status: 'closed', lead_score: 50 }],
      ['lead_out_of_office', 'lead.out_of_office', { lead_status: 'out_of_office' }],
      ['lead_wrong_person', 'lead.wrong_person', { lead_status: 'wrong_person', lead_score: -15 }],
      ['lead_no_show', 'lead.no_show', { lead_status: 'no_show', lead_score: -10 }],
      ['lead_meeting_cancelled', 'lead.meeting_cancelled', { lead_status: 'meeting_cancelled', lead_score: -10 }],
      ['lead_interested_maybe', 'lead.interested_maybe', { lead_status: 'interested_maybe', lead_score: 10 }],
      ['Hot prospect (custom)', 'lead.custom_label', { lead_status: 'Hot prospect (custom)' }],
      ['lead.interested', 'lead.interested', { lead_status: 'interested', lead_score: 20 }],
    ];

    it.each(NATIVE)('%s ends as %s, processed, with its CRM change', async (native, canonical, expected) => {
      const email = `${native.replace(/\W/g, '')}-${randomUUID().slice(0, 6)}@lead.example`;
      const res = await post(instantlyPayload(native, org.workspaceId, { lead_email: email }));
      await processor.drain();
      const row = await logRow(res.body.data.id);
      expect(row).toMatchObject({
        event_type: canonical,
        raw_event_type: native,
        status: 'processed',
        organization_id: org.id,
        error_message: null,
      });
      expect(row.processed_at).not.toBeNull();
      const c = await contact(org.id, email);
      expect(c).toMatchObject({ first_name: 'Lea', last_name: 'Lead', company: 'Prospect GmbH', ...expected });
      expect(c.campaign_id).toBe(row.campaign_id);
    });

    it('counters and score accumulate over a lead’s events', async () => {
      const email = `journey-${randomUUID().slice(0, 6)}@lead.example`;
      for (const e of ['email_sent', 'email_opened', 'email_opened', 'link_clicked', 'reply_received', 'lead_interested']) {
        await post(instantlyPayload(e, org.workspaceId, { lead_email: email }));
      }
      await processor.drain();
      expect(await contact(org.id, email)).toMatchObject({
        emails_sent: 1,
        opens: 2,
        clicks: 1,
        replies: 1,
        lead_score: 1 + 1 + 3 + 10 + 20,
        lead_status: 'interested',
      });
    });

    it('campaign events upsert the campaign and set its status', async () => {
      const campaignId = `camp-${randomUUID()}`;
      const started = await post(
        instantlyPayload('campaign_started', org.workspaceId, { campaign_id: campaignId, campaign_name: 'Launch', lead_email: null }),
      );
      await processor.drain();
      let c = (await t.owner.query(`SELECT * FROM campaign WHERE instantly_campaign_id = $1`, [campaignId])).rows;
      expect(c).toHaveLength(1);
      expect(c[0]).toMatchObject({ organization_id: org.id, name: 'Launch', status: 'active' });
      expect(await logRow(started.body.data.id)).toMatchObject({ status: 'processed', campaign_id: c[0].id });
      await post(
        instantlyPayload('campaign_completed', org.workspaceId, { campaign_id: campaignId, campaign_name: null, lead_email: null }),
      );
      await processor.drain();
      c = (await t.owner.query(`SELECT * FROM campaign WHERE instantly_campaign_id = $1`, [campaignId])).rows;
      expect(c[0]).toMatchObject({ name: 'Launch', status: 'completed' });
    });

    it('account warnings and errors are recorded in the activity feed', async () => {
      for (const e of ['account_warning', 'account_error']) {
        const res = await post(instantlyPayload(e, org.workspaceId, { lead_email: null, message: `${e}: daily limit reached` }));
        await processor.drain();
        expect(await logRow(res.body.data.id)).toMatchObject({ status: 'processed', event_type: e.replace('_', '.') });
        const act = await t.owner.query(`SELECT * FROM activity_log WHERE details->>'webhook_log_id' = $1`, [res.body.data.id]);
        expect(act.rows[0]).toMatchObject({ organization_id: org.id, action: e.replace('_', '.'), actor_role: 'system' });
        expect(act.rows[0].details).toMatchObject({
          email_account: 'sender@salesbrain-outbound.example',
          message: `${e}: daily limit reached`,
        });
      }
    });

    it('a source without handlers is skipped with the reason', async () => {
      const res = await t
        .http()
        .post('/api/webhooks/n8n')
        .set({ 'x-webhook-secret': 'n8n-test-secret-0123456789' })
        .send({ event_type: 'ping', id: randomUUID() });
      await processor.drain();
      expect(await logRow(res.body.data.id)).toMatchObject({ status: 'skipped', error_message: 'no handler for source n8n' });
    });

    it('unknown workspace: failed at once with a clear message (no automatic retries), and a manual retry succeeds once mapped', async () => {
      const workspace = randomUUID();
      const email = `unmapped-${randomUUID().slice(0, 6)}@lead.example`;
      const res = await post(
        instantlyPayload('lead_interested', workspace, { lead_email: email, campaign_id: `unmapped-${randomUUID()}` }),
      );
      const id = res.body.data.id;
      await processor.drain();
      const row = await logRow(id);
      expect(row).toMatchObject({ status: 'failed', attempts: 1 });
      expect(row.error_message).toMatch(
        new RegExp(`no organization is mapped to Instantly workspace "${workspace}".*sets instantly_workspace_id`),
      );
      expect(await contact(org.id, email)).toBeUndefined();

      const late = await createOrgFixture(t.owner, 'Mapped late');
      await t
        .http()
        .patch(`/api/admin/organizations/${late.id}`)
        .set(late.as('sb_admin'))
        .send({ instantly_workspace_id: workspace })
        .expect(200);
      const retry = await t.http().post(`/api/admin/webhooks/logs/${id}/retry`).set(late.as('sb_admin')).send({});
      expect(retry.status).toBe(200);
      expect(retry.body.data).toMatchObject({ status: 'pending', retry_count: 1 });
      await processor.drain();
      expect(await logRow(id)).toMatchObject({ status: 'processed', organization_id: late.id, error_message: null });
      expect(await contact(late.id, email)).toMatchObject({ lead_status: 'interested', lead_score: 20 });
    });

    it('a failing attempt that is not about routing is retried with growing delays; a manual retry makes a waiting log due now', async () => {
      const email = `backoff-${randomUUID().slice(0, 6)}@lead.example`;
      // A failure inside processing: this test database refuses contacts with this prefix.
      await t.owner.query(`CREATE OR REPLACE FUNCTION test_refuse_backoff() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.email LIKE 'backoff-%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
      await t.owner.query(
        `CREATE TRIGGER test_refuse_backoff BEFORE INSERT ON contact FOR EACH ROW EXECUTE FUNCTION test_refuse_backoff()`,
      );
      const res = await post(instantlyPayload('email_sent', org.workspaceId, { lead_email: email }));
      const id = res.body.data.id;
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 2; attempt++) {
        await t.owner.query(`UPDATE webhook_log SET next_attempt_at = now() WHERE id = $1 AND status = 'pending'`, [id]);
        await processor.drain();
        const r = (
          await t.owner.query(`SELECT *, extract(epoch FROM next_attempt_at - now()) * 1000 AS delay_ms FROM webhook_log WHERE id = $1`, [
            id,
          ])
        ).rows[0];
        expect(r).toMatchObject({ status: 'pending', attempts: attempt });
        delays.push(Number(r.delay_ms));
      }
      // 1 s then 2 s (WEBHOOK_RETRY_BASE_MS=1000, doubling).
      expect(delays[0]).toBeGreaterThan(500);
      expect(delays[0]).toBeLessThanOrEqual(1000);
      expect(delays[1]).toBeGreaterThan(1500);
      expect(delays[1]).toBeLessThanOrEqual(2000);
      // Waiting for its backoff: a manual retry makes it due now instead of answering 409.
      const retry = await t.http().post(`/api/admin/webhooks/logs/${id}/retry`).set(org.as('sb_admin')).send({});
      expect(retry.status).toBe(200);
      const due = (await t.owner.query(`SELECT status, next_attempt_at <= now() AS due, retry_count FROM webhook_log WHERE id = $1`, [id]))
        .rows[0];
      expect(due).toEqual({ status: 'pending', due: true, retry_count: 1 });
      // Due now: a second manual retry is the contract's 409.
      expect((await t.http().post(`/api/admin/webhooks/logs/${id}/retry`).set(org.as('sb_admin')).send({})).status).toBe(409);
      await t.owner.query(`DROP TRIGGER test_refuse_backoff ON contact`);
    });

    it("an organization's admin never sees another organization's campaigns or contacts created by processing", async () => {
      const campaignId = `iso-${randomUUID()}`;
      await post(
        instantlyPayload('email_sent', other.workspaceId, {
          campaign_id: campaignId,
          campaign_name: 'Other secret campaign',
          lead_email: 'secret@other.example',
        }),
      );
      await processor.drain();
      const mine = await t.http().get('/api/admin/campaigns/filter').query({ search: 'secret' }).set(org.as('admin'));
      expect(mine.body.data).toEqual([]);
      const theirs = await t.http().get('/api/admin/campaigns/filter').query({ search: 'secret' }).set(other.as('admin'));
      expect(theirs.body.data.map((c: { name: string }) => c.name)).toEqual(['Other secret campaign']);
    });
  });
});

describe('two worker instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let org: OrgFixture;

  beforeAll(async () => {
    a = await startTestApp({ WEBHOOK_WORKERS: '2', WEBHOOK_BATCH_SIZE: '7' });
    b = await startTestApp({ WEBHOOK_WORKERS: '2', WEBHOOK_BATCH_SIZE: '7' });
    org = await createOrgFixture(a.owner, 'Two workers');
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('process every log exactly once', async () => {
    const email = `shared-${randomUUID().slice(0, 8)}@lead.example`;
    const n = 300;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        (i % 2 ? a : b)
          .http()
          .post('/api/webhooks/instantly')
          .set(SECRET)
          .send(instantlyPayload('email_sent', org.workspaceId, { lead_email: email })),
      ),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const ids = answers.map((r) => r.body.data.id);
    const deadline = Date.now() + 30000;
    for (;;) {
      const left = (await a.owner.query(`SELECT count(*)::int n FROM webhook_log WHERE id = ANY($1) AND status <> 'processed'`, [ids]))
        .rows[0].n;
      if (left === 0) break;
      if (Date.now() > deadline) throw new Error(`${left} logs still unprocessed`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const attempts = (await a.owner.query(`SELECT max(attempts)::int mx, min(attempts)::int mn FROM webhook_log WHERE id = ANY($1)`, [ids]))
      .rows[0];
    expect(attempts).toEqual({ mx: 1, mn: 1 });
    const c = (await a.owner.query(`SELECT emails_sent FROM contact WHERE organization_id = $1 AND email = $2`, [org.id, email])).rows[0];
    expect(c.emails_sent).toBe(n);
  });
});
