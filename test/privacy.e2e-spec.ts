import { randomUUID } from 'crypto';
import { Client } from 'pg';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { emailHash, subjectLockKey } from '../src/common/personal-data';
import { APP_CONFIG, AppConfig } from '../src/config/app-config';
import { adminUrlFor, runtimeUrlFor, testDbName } from './support/db-urls';
import { instantlyPayload } from './support/instantly';
import { inRlsContext } from './support/rls-context';
import { createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-test-token-0123456789';
const DAY = 86_400_000;
const monthStart = (d: Date, k: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1));
const monthName = (m: Date) => `${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`;

/**
 * A lead's personal data on request (GDPR Art. 15 and 17) through the HTTP API on real PostgreSQL:
 * a lead with logs in the current month (received and processed), two earlier monthly partitions,
 * the default partition and a copy retention prepared; the same email held by another organization.
 */
describe('personal data: subject access and erasure', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  let processor: WebhookProcessorService;
  const LEAD = 'Erin.Erasmus@Lead-Prospect.example';
  const lead = LEAD.toLowerCase();
  const NAME = 'Erinna';
  const aLogs: string[] = [];
  let bLog: string;
  let preparedTable: string;

  const post = (body: Record<string, unknown>) =>
    t.http().post('/api/webhooks/instantly').set('x-webhook-secret', TEST_INSTANTLY_SECRET).send(body).expect(200);
  const event = (org: OrgFixture, type: string, email: string, extra: Record<string, unknown> = {}) =>
    instantlyPayload(type, org.workspaceId, {
      lead_email: email,
      firstName: NAME,
      lastName: 'Erasmus',
      companyName: 'Erin Corp',
      phone: '+49 30 1234567',
      ...extra,
    });
  const insertLog = async (org: OrgFixture, at: Date, email: string) =>
    (
      await t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, error_message, created_at)
       VALUES ($1, 'instantly', 'email.replied', 'failed', $2, $3, $4, $5, $6) RETURNING id, tableoid::regclass::text AS part`,
        [
          org.id,
          randomUUID().replace(/-/g, ''),
          JSON.stringify(
            event(org, 'reply_received', email, { reply_text: `Hi, ${NAME} here, write to ${email}`, custom: { nested: [email, 5] } }),
          ),
          email.toLowerCase(),
          `could not deliver to ${email.toUpperCase()}`,
          at,
        ],
      )
    ).rows[0] as { id: string; part: string };
  /** Every place a log of the organization can be, searched for the lead's email or name. */
  const carrying = async (orgId: string, needle: string) =>
    (
      await t.owner.query(
        `SELECT count(*)::int AS n FROM webhook_log WHERE organization_id = $1 AND (payload::text ILIKE $2 OR contact_email ILIKE $2 OR error_message ILIKE $2 OR attempt_history::text ILIKE $2)`,
        [orgId, `%${needle}%`],
      )
    ).rows[0].n as number;
  const erase = (who: Record<string, string>, body: Record<string, unknown>) =>
    t.http().post('/api/admin/privacy/erase').set(who).send(body);
  const subject = (who: Record<string, string>, query: Record<string, string>) =>
    t.http().get('/api/admin/privacy/subject').query(query).set(who);

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN, EXPORT_MAX_PER_ORGANIZATION: '10' });
    processor = t.app.get(WebhookProcessorService);
    a = await createOrgFixture(t.owner, 'Privacy A');
    b = await createOrgFixture(t.owner, 'Privacy B');
    // Received and processed this month: A's contact, and B's own contact with the same email.
    for (const type of ['email_sent', 'email_opened', 'reply_received']) {
      aLogs.push((await post(event(a, type, LEAD, { reply_text: `Sure, ${NAME} will call` }))).body.data.id);
    }
    bLog = (await post(event(b, 'email_opened', LEAD))).body.data.id;
    await processor.drain();
    // Two earlier months, and a month without a partition (the default partition).
    const now = new Date();
    for (const k of [-2, -5])
      await t.owner.query(`SELECT webhook_log_add_month($1::date)`, [monthStart(now, k).toISOString().slice(0, 10)]);
    const parts = [];
    for (const at of [
      new Date(monthStart(now, -2).getTime() + 3 * DAY),
      new Date(monthStart(now, -5).getTime() + 9 * DAY),
      new Date(monthStart(now, 7).getTime() + DAY),
    ]) {
      const log = await insertLog(a, at, LEAD);
      aLogs.push(log.id);
      parts.push(log.part);
    }
    expect(new Set(parts).size).toBe(3);
    expect(parts).toContain('webhook_log_default');
    // A copy retention prepared of the month five back (schema webhook_log_prepared).
    preparedTable = `webhook_log_prepared.webhook_log_n${monthName(monthStart(now, -5))}`;
    await t.owner.query(`CREATE TABLE ${preparedTable} (LIKE webhook_log INCLUDING DEFAULTS)`);
    await t.owner.query(`INSERT INTO ${preparedTable} SELECT * FROM webhook_log WHERE organization_id = $1 AND created_at < $2`, [
      a.id,
      monthStart(now, -4),
    ]);
    // The contact was assigned to the member, taken back, and assigned to the admin.
    const contact = (await t.owner.query(`SELECT id FROM contact WHERE organization_id = $1 AND lower(email) = $2`, [a.id, lead])).rows[0];
    await t
      .http()
      .post(`/api/admin/users/${a.users.member}/assign-contacts`)
      .set(a.as('owner'))
      .send({ contact_ids: [contact.id] })
      .expect(200);
    await t.http().delete(`/api/admin/users/${a.users.member}/contacts/${contact.id}`).set(a.as('owner')).expect(200);
    await t
      .http()
      .post(`/api/admin/users/${a.users.admin}/assign-contacts`)
      .set(a.as('owner'))
      .send({ contact_ids: [contact.id] })
      .expect(200);
  });
  afterAll(() => t.close());

  describe('GET /api/admin/privacy/subject', () => {
    it('answers everything the organization holds about the email, case-insensitively: contacts, assignments, activity, every log with its payload', async () => {
      const res = await subject(a.as('admin'), { email: 'ERIN.erasmus@lead-prospect.EXAMPLE' }).expect(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const d = res.body.data;
      expect(d).toMatchObject({ organization_id: a.id, email: lead, erased_at: null, suppressed: false });
      expect(d.email_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(d.contacts).toHaveLength(1);
      expect(d.contacts[0]).toMatchObject({ email: lead, first_name: NAME, company: 'Erin Corp', emails_sent: 1, opens: 1, replies: 1 });
      expect(d.assignments).toEqual([
        expect.objectContaining({ contact_id: d.contacts[0].id, user_id: a.users.member, status: 'inactive' }),
        expect.objectContaining({ contact_id: d.contacts[0].id, user_id: a.users.admin, status: 'active' }),
      ]);
      expect(d.activity.map((x: { action: string }) => x.action)).toEqual(['assignment.contact_removed']);
      expect(d.logs.map((l: { id: string }) => l.id).sort()).toEqual([...aLogs].sort());
      // Newest first, payloads as received.
      const times = d.logs.map((l: { created_at: string }) => l.created_at);
      expect([...times].sort().reverse()).toEqual(times);
      expect(d.logs.every((l: { payload: { lead_email: string } }) => l.payload.lead_email.toLowerCase() === lead)).toBe(true);
      expect(d.logs.map((l: { id: string }) => l.id)).not.toContain(bLog);
    });

    it('platform roles name the organization; without one 400, an unknown one 404', async () => {
      const res = await subject(a.as('sb_operator'), { email: LEAD, organization_id: b.id }).expect(200);
      expect(res.body.data.logs.map((l: { id: string }) => l.id)).toEqual([bLog]);
      expectErrorBody((await subject(a.as('sb_admin'), { email: LEAD }).expect(400)).body, 400);
      expectErrorBody((await subject(a.as('sb_admin'), { email: LEAD, organization_id: randomUUID() }).expect(404)).body, 404);
    });

    it("another organization's id is a 404, member and viewer 403, bad input 400, and the email is not in any log line", async () => {
      for (const role of ['owner', 'admin'] as const) {
        const res = await subject(a.as(role), { email: LEAD, organization_id: b.id }).expect(404);
        expect(res.text).not.toContain(lead);
      }
      for (const role of ['member', 'viewer'] as const) await subject(a.as(role), { email: LEAD }).expect(403);
      for (const bad of [
        { email: 'not-an-email' },
        { email: '' },
        { email: LEAD, organization_id: 'x' },
        {},
        { email: LEAD, extra: '1' },
      ]) {
        expectErrorBody((await subject(a.as('admin'), bad as Record<string, string>).expect(400)).body, 400);
      }
      await t.http().get('/api/admin/privacy/subject').query({ email: LEAD }).expect(401);
    });
  });

  describe('POST /api/admin/privacy/erase', () => {
    let result: Record<string, unknown>;

    it("an organization role cannot erase in another organization, and erasing in its own leaves the other organization's copy of the email alone", async () => {
      for (const role of ['owner', 'admin'] as const)
        expectErrorBody((await erase(a.as(role), { email: LEAD, organization_id: b.id }).expect(404)).body, 404);
      for (const role of ['member', 'viewer'] as const) await erase(a.as(role), { email: LEAD }).expect(403);
      for (const bad of [
        { email: 'nope' },
        {},
        { email: LEAD, organization_id: 'x' },
        { email: LEAD, suppress: 'yes' },
        { email: LEAD, suppress: null },
        { email: LEAD, other: 1 },
      ]) {
        expectErrorBody((await erase(a.as('owner'), bad).expect(400)).body, 400);
      }
      expectErrorBody((await erase(a.as('sb_admin'), { email: LEAD }).expect(400)).body, 400);
      expect(await carrying(a.id, lead)).toBe(6);
    });

    it('erases the contact and its assignment and redacts every log (each partition, the default one, the prepared copy), keeping their structure and status', async () => {
      const statusesBefore = (await t.owner.query(`SELECT id, status FROM webhook_log WHERE id = ANY($1) ORDER BY id`, [aLogs])).rows;
      const res = await erase(a.as('owner'), { email: 'Erin.ERASMUS@lead-prospect.example' }).expect(200);
      result = res.body.data;
      expect(result).toMatchObject({
        organization_id: a.id,
        nothing_to_erase: false,
        suppressed: false,
        erased: { contacts: 1, assignments: 2, logs: 6, prepared_logs: 1 },
      });
      expect(JSON.stringify(res.body)).not.toContain(lead);

      expect(await carrying(a.id, lead)).toBe(0);
      expect(await carrying(a.id, NAME)).toBe(0);
      expect(await carrying(a.id, '+49 30')).toBe(0);
      const prepared = await t.owner.query(`SELECT payload::text AS p, contact_email, error_message FROM ${preparedTable}`);
      expect(prepared.rows).toHaveLength(1);
      expect(JSON.stringify(prepared.rows).toLowerCase()).not.toContain(lead);
      expect(JSON.stringify(prepared.rows)).not.toContain(NAME);
      // Every log is still there, with its status, and its payload keeps its keys (the event's own fields as they were).
      expect((await t.owner.query(`SELECT id, status FROM webhook_log WHERE id = ANY($1) ORDER BY id`, [aLogs])).rows).toEqual(
        statusesBefore,
      );
      const one = (await t.owner.query(`SELECT payload, error_message FROM webhook_log WHERE id = $1`, [aLogs[5]])).rows[0];
      expect(one.payload).toMatchObject({
        event_type: 'reply_received',
        workspace: a.workspaceId,
        campaign_name: 'Outbound Q4',
        step: 1,
        is_first: true,
        lead_email: '[erased]',
        firstName: '[erased]',
        companyName: '[erased]',
        reply_text: '[erased]',
        custom: { nested: ['[erased]', '[erased]'] },
        unibox_url: null,
      });
      expect(one.error_message).toBe('could not deliver to [erased]');
      // B's contact and logs keep the email.
      expect(await carrying(b.id, lead)).toBe(1);
      expect(
        (await t.owner.query(`SELECT count(*)::int AS n FROM contact WHERE organization_id = $1 AND lower(email) = $2`, [b.id, lead]))
          .rows[0].n,
      ).toBe(1);
      expect(
        (await t.owner.query(`SELECT count(*)::int AS n FROM contact WHERE organization_id = $1 AND lower(email) = $2`, [a.id, lead]))
          .rows[0].n,
      ).toBe(0);
    });

    it('afterwards nothing the API serves carries the email or the name: logs, search, filter, detail, stats, exports, contacts, assignments, subject access', async () => {
      const who = a.as('admin');
      const texts: string[] = [];
      const get = async (path: string, query: Record<string, string> = {}) => {
        const res = await t.http().get(path).query(query).set(who).expect(200);
        texts.push(res.text);
        return res;
      };
      expect((await get('/api/admin/webhooks/logs', { search: 'erin.erasmus' })).body.data.total).toBe(0);
      expect((await get('/api/admin/webhooks/logs', { search: 'lead-prospect', status: 'failed' })).body.data.total).toBe(0);
      expect((await get('/api/admin/webhooks/logs', { contact_email: lead })).body.data.total).toBe(0);
      await get('/api/admin/webhooks/logs', { limit: '500' });
      for (const id of aLogs) await get(`/api/admin/webhooks/logs/${id}`);
      await get('/api/admin/webhooks/stats', { date_from: '2000-01-01' });
      await get('/api/admin/webhooks/stats');
      const owner = a.as('owner');
      for (const format of ['csv', 'json'])
        texts.push((await t.http().get('/api/admin/webhooks/logs/export').query({ format }).set(owner).expect(200)).text);
      expect((await get('/api/admin/contacts', { search: 'erin' })).body.data.total).toBe(0);
      for (const user of [a.users.member, a.users.admin])
        expect((await get(`/api/admin/users/${user}/assignments`)).body.data.contacts_count).toBe(0);
      await get('/api/admin/dashboard/recent-activity', { limit: '100' });
      const after = (await subject(owner, { email: LEAD }).expect(200)).body.data;
      expect(after).toMatchObject({ contacts: [], assignments: [], logs: [], suppressed: false });
      expect(after.erased_at).toBe(result.erased_at);
      expect(after.activity.map((x: { action: string }) => x.action)).toEqual(['privacy.erase']);
      for (const text of texts) {
        expect(text.toLowerCase()).not.toContain('erin.erasmus');
        expect(text).not.toContain(NAME);
      }
    });

    it('is recorded in the activity log and on /metrics by a keyed hash, never the email in clear', async () => {
      const entries = await t.owner.query(
        `SELECT actor_role, item_count, details FROM activity_log WHERE organization_id = $1 AND action = 'privacy.erase'`,
        [a.id],
      );
      expect(entries.rows).toEqual([
        expect.objectContaining({ actor_role: 'owner', details: expect.objectContaining({ email_hash: result.email_hash }) }),
      ]);
      expect(JSON.stringify(entries.rows).toLowerCase()).not.toContain('erin');
      const metrics = (await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
      expect(metrics).toMatch(/privacy_erased_total\{kind="logs"\} 6\b/);
      expect(metrics).toMatch(/privacy_requests_total\{kind="erase",outcome="erased"\} 1\b/);
      expect(metrics.toLowerCase()).not.toContain('erin');
    });

    it('is idempotent: a second request erases nothing and says so', async () => {
      const res = await erase(a.as('admin'), { email: LEAD }).expect(200);
      expect(res.body.data).toMatchObject({ nothing_to_erase: true, erased: { contacts: 0, assignments: 0, logs: 0, prepared_logs: 0 } });
      expect(res.body.data.message).toMatch(/nothing/);
    });

    it('a platform role erases in the organization it names: the other organization’s copy goes only then', async () => {
      const res = await erase(a.as('sb_admin'), { email: LEAD, organization_id: b.id }).expect(200);
      expect(res.body.data.erased).toEqual({ contacts: 1, assignments: 0, logs: 1, prepared_logs: 0 });
      expect(await carrying(b.id, lead)).toBe(0);
      expectErrorBody((await erase(a.as('sb_admin'), { email: LEAD, organization_id: randomUUID() }).expect(404)).body, 404);
    });
  });

  describe('events after an erasure', () => {
    it('with suppress, a later event carrying the email is stored redacted and creates no contact; without, it is new data', async () => {
      const kept = 'kept.again@lead-prospect.example';
      const gone = 'never.again@lead-prospect.example';
      for (const email of [kept, gone]) await post(event(a, 'email_opened', email));
      await processor.drain();
      await erase(a.as('owner'), { email: kept }).expect(200);
      const suppressed = await erase(a.as('owner'), { email: gone, suppress: true }).expect(200);
      expect(suppressed.body.data).toMatchObject({ suppressed: true, erased: { contacts: 1, logs: 1 } });
      const later = {
        kept: (await post(event(a, 'reply_received', kept))).body.data.id,
        gone: (await post(event(a, 'reply_received', gone.toUpperCase()))).body.data.id,
      };
      await processor.drain();
      const contacts = await t.owner.query(
        `SELECT lower(email) AS email FROM contact WHERE organization_id = $1 AND lower(email) = ANY($2)`,
        [a.id, [kept, gone]],
      );
      expect(contacts.rows.map((r) => r.email)).toEqual([kept]);
      const log = (await t.owner.query(`SELECT status, contact_email, payload FROM webhook_log WHERE id = $1`, [later.gone])).rows[0];
      expect(log).toMatchObject({
        status: 'processed',
        contact_email: null,
        payload: expect.objectContaining({ lead_email: '[erased]', firstName: '[erased]', event_type: 'reply_received' }),
      });
      expect((await t.owner.query(`SELECT contact_email FROM webhook_log WHERE id = $1`, [later.kept])).rows[0].contact_email).toBe(kept);
      // Subject access says so; lifting the suppression lets the next event through.
      expect((await subject(a.as('owner'), { email: gone }).expect(200)).body.data).toMatchObject({ suppressed: true, logs: [] });
      await erase(a.as('owner'), { email: gone, suppress: false }).expect(200);
      await post(event(a, 'email_clicked', gone, { step: 2 }));
      await processor.drain();
      expect(
        (await t.owner.query(`SELECT count(*)::int AS n FROM contact WHERE organization_id = $1 AND lower(email) = $2`, [a.id, gone]))
          .rows[0].n,
      ).toBe(1);
    });

    /** An event for a new lead, received with the organization's own credential (the log is the organization's before it is processed). */
    const credentialEvent = async (email: string) => {
      const cred = (
        await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({ grace_hours: 0 }).expect(201)
      ).body.data.secret;
      return (
        await t
          .http()
          .post('/api/webhooks/instantly')
          .set('x-webhook-secret', cred)
          .send(event(a, 'email_opened', email))
          .expect(200)
      ).body.data.id as string;
    };
    const pause = () => new Promise((r) => setTimeout(r, 300));
    const expectErased = async (email: string, id: string) => {
      expect(
        (await t.owner.query(`SELECT count(*)::int AS n FROM contact WHERE organization_id = $1 AND lower(email) = $2`, [a.id, email]))
          .rows[0].n,
      ).toBe(0);
      const log = (await t.owner.query(`SELECT status, contact_email, payload FROM webhook_log WHERE id = $1`, [id])).rows[0];
      expect(log).toMatchObject({ status: 'processed', contact_email: null, payload: expect.objectContaining({ lead_email: '[erased]' }) });
    };

    it('an event being processed when the erasure starts: the erasure waits for it and then erases what it wrote (no deadlock)', async () => {
      const racing = 'racing-processing@lead-prospect.example';
      const id = await credentialEvent(racing);
      // Processing stops half-way: its contact insert waits for this uncommitted insert of the same contact.
      const blocker = new Client({ connectionString: adminUrlFor(testDbName()) });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO contact (organization_id, email) VALUES ($1, $2)`, [a.id, racing]);
      const processing = processor.drain();
      await pause();
      // (A supertest request is sent when it is awaited: then() sends it now.)
      const erasing = erase(a.as('owner'), { email: racing }).then((r) => r);
      await pause();
      await blocker.query('ROLLBACK');
      await blocker.end();
      const [, erased] = await Promise.all([processing, erasing]);
      expect(erased.status).toBe(200);
      expect(erased.body.data.erased).toMatchObject({ contacts: 1, logs: 1 });
      await expectErased(racing, id);
    });

    it('an event processed while an erasure is under way waits for it, then is redacted and creates no contact', async () => {
      const racing = 'racing-erasure@lead-prospect.example';
      const id = await credentialEvent(racing);
      // The subject's lock, held as an erasure under way holds it: the erasure queues first, processing after.
      const holder = new Client({ connectionString: adminUrlFor(testDbName()) });
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        subjectLockKey(emailHash(t.app.get<AppConfig>(APP_CONFIG).privacyHashKey, racing)),
      ]);
      const erasing = erase(a.as('owner'), { email: racing }).then((r) => r);
      await pause();
      const processing = processor.drain();
      await pause();
      await holder.query('ROLLBACK');
      await holder.end();
      const [erased] = await Promise.all([erasing, processing]);
      expect(erased.status).toBe(200);
      await expectErased(racing, id);
    });

    it('an event received before the erasure and processed after it (it waited meanwhile) is redacted too', async () => {
      const waiting = 'was.waiting@lead-prospect.example';
      await post(event(a, 'email_sent', waiting));
      await processor.drain();
      // Received, not yet processed (unrouted logs belong to no organization until processing).
      const pending = (await post(event(a, 'email_opened', waiting, { step: 3 }))).body.data.id;
      expect((await t.owner.query(`SELECT status, organization_id FROM webhook_log WHERE id = $1`, [pending])).rows[0]).toEqual({
        status: 'pending',
        organization_id: null,
      });
      await erase(a.as('owner'), { email: waiting }).expect(200);
      await processor.drain();
      const log = (await t.owner.query(`SELECT status, organization_id, contact_email, payload FROM webhook_log WHERE id = $1`, [pending]))
        .rows[0];
      expect(log).toMatchObject({
        status: 'processed',
        organization_id: a.id,
        contact_email: null,
        payload: expect.objectContaining({ lead_email: '[erased]' }),
      });
      expect(
        (await t.owner.query(`SELECT count(*)::int AS n FROM contact WHERE organization_id = $1 AND lower(email) = $2`, [a.id, waiting]))
          .rows[0].n,
      ).toBe(0);
    });
  });

  describe('the database enforces it', () => {
    let runtime: Client;
    beforeAll(async () => {
      runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
      await runtime.connect();
    });
    afterAll(() => runtime.end());

    it("an organization's owner may update its own logs only; members may not; the prepared copies only through the checking function", async () => {
      const other = await insertLog(b, new Date(), 'someone.else@b.example');
      const mine = await insertLog(a, new Date(), 'someone.else@a.example');
      for (const role of ['owner', 'admin']) {
        await inRlsContext(runtime, role, a.id, async () => {
          expect((await runtime.query(`UPDATE webhook_log SET contact_email = NULL WHERE id = $1`, [other.id])).rowCount).toBe(0);
          expect((await runtime.query(`UPDATE webhook_log SET contact_email = NULL WHERE id = $1`, [mine.id])).rowCount).toBe(1);
          // Moving a log into another organization is refused by the policy's check.
          await expect(runtime.query(`UPDATE webhook_log SET organization_id = $2 WHERE id = $1`, [mine.id, b.id])).rejects.toMatchObject({
            code: '42501',
          });
        });
        await inRlsContext(runtime, role, a.id, async () => {
          await expect(runtime.query(`SELECT privacy_erase_prepared($1, 'x@y.example', 'x')`, [b.id])).rejects.toMatchObject({
            code: '42501',
          });
        });
      }
      for (const role of ['member', 'viewer']) {
        await inRlsContext(runtime, role, a.id, async () => {
          expect((await runtime.query(`UPDATE webhook_log SET contact_email = NULL WHERE id = $1`, [mine.id])).rowCount).toBe(0);
        });
        await inRlsContext(runtime, role, a.id, async () => {
          await expect(runtime.query(`SELECT privacy_erase_prepared($1, 'x@y.example', 'x')`, [a.id])).rejects.toMatchObject({
            code: '42501',
          });
        });
        await inRlsContext(runtime, role, a.id, async () => {
          await expect(
            runtime.query(`INSERT INTO privacy_subject (organization_id, email_hash) VALUES ($1, repeat('a', 64))`, [a.id]),
          ).rejects.toMatchObject({ code: '42501' });
        });
      }
      await inRlsContext(runtime, 'owner', a.id, async () => {
        expect((await runtime.query(`SELECT count(*)::int AS n FROM privacy_subject WHERE organization_id = $1`, [b.id])).rows[0].n).toBe(
          0,
        );
      });
      await inRlsContext(runtime, 'owner', a.id, async () => {
        await expect(
          runtime.query(`INSERT INTO privacy_subject (organization_id, email_hash) VALUES ($1, repeat('b', 64))`, [b.id]),
        ).rejects.toMatchObject({ code: '42501' });
      });
    });
  });
});

describe('erasures are bounded per organization', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  beforeAll(async () => {
    t = await startTestApp({ HEAVY_READS_PER_ORGANIZATION: '1' });
    a = await createOrgFixture(t.owner, 'Erasing flood');
    b = await createOrgFixture(t.owner, 'Erasing neighbour');
  });
  afterAll(() => t.close());

  it("a flood of erasures by one organization gets 429s with Retry-After; another organization's erasure is served meanwhile", async () => {
    // The contacts locked, so the admitted erasure stays in the bound until they are released.
    const holder = await t.owner.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE contact IN ACCESS EXCLUSIVE MODE');
      const flood = Array.from({ length: 4 }, (_, i) =>
        t
          .http()
          .post('/api/admin/privacy/erase')
          .set(a.as('owner'))
          .send({ email: `flood${i}@x.example` })
          .then((r) => r),
      );
      await new Promise((r) => setTimeout(r, 300));
      const neighbour = t
        .http()
        .post('/api/admin/privacy/erase')
        .set(b.as('owner'))
        .send({ email: 'calm@x.example' })
        .then((r) => r);
      await new Promise((r) => setTimeout(r, 200));
      await holder.query('ROLLBACK');
      const answers = await Promise.all(flood);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 429, 429, 429]);
      expect(Number(answers.find((r) => r.status === 429)!.headers['retry-after'])).toBeGreaterThan(0);
      expect((await neighbour).status).toBe(200);
    } finally {
      holder.release();
    }
  });
});
