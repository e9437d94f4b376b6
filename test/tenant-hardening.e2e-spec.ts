import { randomUUID } from 'crypto';
import http from 'http';
import { Client } from 'pg';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { WebhookIngestService } from '../src/webhooks/webhook-ingest.service';
import { runtimeUrlFor, testDbName } from './support/db-urls';
import { inRlsContext } from './support/rls-context';
import { instantlyPayload } from './support/instantly';
import { createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

/**
 * The holes an outside review found (issue 12), each attacked through the HTTP API as a tenant's
 * owner, admin or member would, and where the rule lives in the database, at the database too,
 * through the runtime role.
 */
describe('tenant isolation at the edges', () => {
  let t: TestApp;
  let attacker: OrgFixture;
  let victim: OrgFixture;
  let runtime: Client;
  let processor: WebhookProcessorService;

  /** A statement under a context, as the app runs it (runtime role, transaction-local settings); rolled back. */
  const asContext = (role: string, orgId: string | null, sql: string, params: unknown[] = [], linkToken?: string) =>
    inRlsContext(runtime, role, orgId, () => runtime.query(sql, params), linkToken);
  const receive = (body: unknown, secret = TEST_INSTANTLY_SECRET) =>
    t
      .http()
      .post('/api/webhooks/instantly')
      .set('x-webhook-secret', secret)
      .send(body as object);
  const logRow = async (id: string) => (await t.owner.query(`SELECT * FROM webhook_log WHERE id = $1`, [id])).rows[0];

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_RETRY_BASE_MS: '1000' });
    attacker = await createOrgFixture(t.owner, 'Attacker');
    victim = await createOrgFixture(t.owner, 'Victim');
    runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    processor = t.app.get(WebhookProcessorService);
  });
  afterAll(async () => {
    await runtime.end();
    await t.close();
  });

  describe('1. routing identifiers are set by platform roles only', () => {
    it("an owner or admin cannot point their organization at another tenant's unmapped workspace; the victim's events never reach them", async () => {
      const victimWorkspace = randomUUID();
      const newcomer = await createOrgFixture(t.owner, 'Not yet mapped');
      await t.owner.query(`UPDATE organization SET instantly_workspace_id = NULL WHERE id = $1`, [newcomer.id]);
      for (const role of ['owner', 'admin'] as const) {
        const res = await t
          .http()
          .patch(`/api/admin/organizations/${attacker.id}`)
          .set(attacker.as(role))
          .send({ instantly_workspace_id: victimWorkspace });
        expect(res.status).toBe(403);
        expectErrorBody(res.body, 403);
        expect(res.body.message).toMatch(/instantly_workspace_id/);
      }
      expect(
        (await t.owner.query(`SELECT instantly_workspace_id FROM organization WHERE id = $1`, [attacker.id])).rows[0]
          .instantly_workspace_id,
      ).toBe(attacker.workspaceId);
      // The victim's Instantly sends an event for its (still unmapped) workspace.
      const email = `victim-lead-${randomUUID().slice(0, 6)}@lead.example`;
      const sent = await receive(
        instantlyPayload('lead_interested', victimWorkspace, { lead_email: email, campaign_id: `vic-${randomUUID()}` }),
      );
      expect(sent.status).toBe(200);
      await processor.drain();
      const row = await logRow(sent.body.data.id);
      expect(row).toMatchObject({ status: 'failed', organization_id: null });
      const seen = await t.http().get('/api/admin/webhooks/logs').query({ contact_email: email }).set(attacker.as('member'));
      expect(seen.body.data.logs).toEqual([]);
      expect((await t.owner.query(`SELECT count(*)::int n FROM contact WHERE email = $1`, [email])).rows[0].n).toBe(0);
      expect(
        (
          await t.owner.query(`SELECT count(*)::int n FROM campaign WHERE organization_id = $1 AND instantly_campaign_id LIKE 'vic-%'`, [
            attacker.id,
          ])
        ).rows[0].n,
      ).toBe(0);
      // A platform admin maps it to its organization: a manual retry puts the event where it belongs.
      await t
        .http()
        .patch(`/api/admin/organizations/${newcomer.id}`)
        .set(newcomer.as('sb_admin'))
        .send({ instantly_workspace_id: victimWorkspace })
        .expect(200);
      await t.http().post(`/api/admin/webhooks/logs/${sent.body.data.id}/retry`).set(newcomer.as('sb_operator')).send({}).expect(200);
      await processor.drain();
      expect(await logRow(sent.body.data.id)).toMatchObject({ status: 'processed', organization_id: newcomer.id });
    });

    it('the database itself refuses an organization role changing routing columns or status', async () => {
      for (const role of ['owner', 'admin']) {
        await expect(
          asContext(role, attacker.id, `UPDATE organization SET instantly_workspace_id = 'stolen' WHERE id = $1`, [attacker.id]),
        ).rejects.toMatchObject({ code: '42501' });
        await expect(
          asContext(role, attacker.id, `UPDATE organization SET status = status, name = name WHERE id = $1`, [attacker.id]),
        ).resolves.toMatchObject({ rowCount: 1 });
        await expect(
          asContext(role, attacker.id, `UPDATE organization SET status = 'suspended' WHERE id = $1`, [attacker.id]),
        ).rejects.toMatchObject({ code: '42501' });
        await expect(
          asContext(role, attacker.id, `INSERT INTO campaign (organization_id, name, instantly_campaign_id) VALUES ($1, 'x', 'theirs')`, [
            attacker.id,
          ]),
        ).rejects.toMatchObject({ code: '42501' });
      }
      const c = await t.owner.query(`INSERT INTO campaign (organization_id, name) VALUES ($1, 'plain') RETURNING id`, [attacker.id]);
      await expect(
        asContext('admin', attacker.id, `UPDATE campaign SET instantly_campaign_id = 'theirs' WHERE id = $1`, [c.rows[0].id]),
      ).rejects.toMatchObject({ code: '42501' });
      // The owner may still rename; platform roles and processing (system) may route.
      await expect(
        asContext('owner', attacker.id, `UPDATE organization SET name = name WHERE id = $1`, [attacker.id]),
      ).resolves.toMatchObject({ rowCount: 1 });
      for (const role of ['sb_admin', 'sb_operator', 'system']) {
        await expect(
          asContext(role, null, `UPDATE organization SET instantly_workspace_id = 'x' || id WHERE id = $1`, [attacker.id]),
        ).resolves.toMatchObject({ rowCount: 1 });
      }
    });

    it('an admin cannot create a campaign carrying an Instantly campaign id; nothing is written', async () => {
      const res = await t
        .http()
        .post('/api/admin/campaigns')
        .set(attacker.as('admin'))
        .send({ organization_id: attacker.id, name: 'Grab', instantly_campaign_id: 'victim-campaign' });
      expect(res.status).toBe(403);
      expectErrorBody(res.body, 403);
      expect((await t.owner.query(`SELECT count(*)::int n FROM campaign WHERE name = 'Grab'`)).rows[0].n).toBe(0);
    });
  });

  describe("2. each organization's own Instantly credential", () => {
    const credentialPath = (org: OrgFixture) => `/api/admin/organizations/${org.id}/webhook-credential`;

    it('is generated by the owner or a platform role, shown once, stored hashed; admins, members and other tenants cannot', async () => {
      const res = await t.http().post(credentialPath(attacker)).set(attacker.as('owner')).send({});
      expect(res.status).toBe(201);
      const { secret, secret_prefix, organization_id } = res.body.data;
      expect(secret).toMatch(/^sbwh_[A-Za-z0-9_-]{43}$/);
      expect(secret.startsWith(secret_prefix)).toBe(true);
      expect(organization_id).toBe(attacker.id);
      const stored = (await t.owner.query(`SELECT * FROM organization_webhook_credential WHERE organization_id = $1`, [attacker.id]))
        .rows[0];
      expect(JSON.stringify(stored)).not.toContain(secret);
      const read = await t.http().get(credentialPath(attacker)).set(attacker.as('owner'));
      expect(read.status).toBe(200);
      expect(read.body.data).not.toHaveProperty('secret');
      expect(JSON.stringify(read.body)).not.toContain(secret.slice(12));
      for (const role of ['admin', 'member', 'viewer'] as const) {
        expect((await t.http().get(credentialPath(attacker)).set(attacker.as(role))).status).toBe(403);
        expect((await t.http().post(credentialPath(attacker)).set(attacker.as(role)).send({})).status).toBe(403);
      }
      // Another organization's owner: its organization is invisible to them.
      expect((await t.http().post(credentialPath(victim)).set(attacker.as('owner')).send({})).status).toBe(404);
      expect((await t.http().get(credentialPath(victim)).set(attacker.as('owner'))).status).toBe(404);
      expect((await t.http().get(credentialPath(victim)).set(victim.as('owner'))).status).toBe(404);
      expect((await t.http().post(credentialPath(victim)).set(victim.as('sb_operator')).send({ grace_hours: 1000 })).status).toBe(400);
      expect(
        (await t.http().post('/api/admin/organizations/not-a-uuid/webhook-credential').set(victim.as('sb_admin')).send({})).status,
      ).toBe(400);
    });

    it("an event received with an organization's credential is written into that organization only", async () => {
      const { secret } = (await t.http().post(credentialPath(attacker)).set(attacker.as('sb_admin')).send({ grace_hours: 0 })).body.data;
      const email = `cred-${randomUUID().slice(0, 6)}@lead.example`;
      // Naming the victim's workspace: stored, visible to the credential's organization, failed with a reason.
      const stolen = await receive(
        instantlyPayload('lead_interested', victim.workspaceId, { lead_email: email, campaign_id: `cred-${randomUUID()}` }),
        secret,
      );
      expect(stolen.status).toBe(200);
      // Its own workspace: processed into its organization.
      const own = await receive(
        instantlyPayload('lead_interested', attacker.workspaceId, { lead_email: email, campaign_id: `cred-${randomUUID()}` }),
        secret,
      );
      expect(own.status).toBe(200);
      await processor.drain();
      const failed = await logRow(stolen.body.data.id);
      expect(failed).toMatchObject({ status: 'failed', organization_id: attacker.id, credential_org_id: attacker.id, attempts: 1 });
      expect(failed.error_message).toMatch(/is not the workspace of the organization whose credential received this event/);
      expect(await logRow(own.body.data.id)).toMatchObject({ status: 'processed', organization_id: attacker.id });
      expect((await t.owner.query(`SELECT organization_id FROM contact WHERE email = $1`, [email])).rows).toEqual([
        { organization_id: attacker.id },
      ]);
      // The same event sent with the global secret is a different event (no dedup across senders).
      const again = await receive(
        instantlyPayload('lead_interested', victim.workspaceId, { lead_email: email, email_id: 'same', timestamp: '2026-01-01T00:00:00Z' }),
        secret,
      );
      const global = await receive(
        instantlyPayload('lead_interested', victim.workspaceId, { lead_email: email, email_id: 'same', timestamp: '2026-01-01T00:00:00Z' }),
      );
      expect(again.body.data.id).not.toBe(global.body.data.id);
      expect(global.body.data.duplicate).toBe(false);
    });

    it('rotation keeps the previous secret for the grace period only; a wrong credential is a 401 and stores nothing', async () => {
      const first = (await t.http().post(credentialPath(victim)).set(victim.as('owner')).send({})).body.data.secret;
      const second = (await t.http().post(credentialPath(victim)).set(victim.as('owner')).send({ grace_hours: 2 })).body.data;
      expect(second.previous_valid_until).toEqual(expect.any(String));
      const ok = (s: string) => receive(instantlyPayload('email_sent', victim.workspaceId, { email_id: randomUUID() }), s);
      expect((await ok(first)).status).toBe(200);
      expect((await ok(second.secret)).status).toBe(200);
      const third = (await t.http().post(credentialPath(victim)).set(victim.as('owner')).send({ grace_hours: 0 })).body.data.secret;
      expect((await ok(first)).status).toBe(401);
      expect((await ok(second.secret)).status).toBe(401);
      expect((await ok(third)).status).toBe(200);
      const before = (await t.owner.query(`SELECT count(*)::int n FROM webhook_log`)).rows[0].n;
      const wrong = await ok(`sbwh_${'A'.repeat(43)}`);
      expect(wrong.status).toBe(401);
      expectErrorBody(wrong.body, 401);
      expect((await t.owner.query(`SELECT count(*)::int n FROM webhook_log`)).rows[0].n).toBe(before);
      const act = await t.owner.query(
        `SELECT count(*)::int n FROM activity_log WHERE action = 'webhook_credential.rotated' AND organization_id = $1`,
        [victim.id],
      );
      expect(act.rows[0].n).toBe(3);
    });
  });

  describe('3. policies as tight as the code', () => {
    it('members and viewers never see link tokens; owners, admins and platform roles do', async () => {
      const created = await t.http().post('/api/admin/onboarding/create-link').set(victim.as('admin')).send({ organization_id: victim.id });
      expect(created.status).toBe(201);
      const { link_id, link_token } = created.body.data;
      const member = await t.http().get(`/api/admin/onboarding/link/${link_id}`).set(victim.as('member'));
      expect(member.status).toBe(200);
      expect(member.body.data).toMatchObject({ id: link_id, link_token: null, link_url: null });
      const list = await t.http().get('/api/admin/onboarding/links').set(victim.as('member'));
      expect(JSON.stringify(list.body)).not.toContain(link_token);
      for (const role of ['owner', 'admin', 'sb_operator'] as const) {
        const r = await t.http().get(`/api/admin/onboarding/link/${link_id}`).set(victim.as(role));
        expect(r.body.data.link_token).toBe(link_token);
      }
      expect((await asContext('member', victim.id, `SELECT * FROM onboarding_link_token`)).rows).toEqual([]);
      expect((await asContext('viewer', victim.id, `SELECT * FROM onboarding_link_token`)).rows).toEqual([]);
      expect(
        (await asContext('admin', victim.id, `SELECT link_token FROM onboarding_link_token WHERE link_id = $1`, [link_id])).rows,
      ).toEqual([{ link_token }]);
      expect((await asContext('admin', attacker.id, `SELECT * FROM onboarding_link_token WHERE link_id = $1`, [link_id])).rows).toEqual([]);
      // Another organization's admin cannot mint a token for a link of the victim's (its holder could
      // then open and complete it): one token per link, and a token row names a link of its own organization.
      const mint = (link: string, org: string) =>
        asContext(
          'admin',
          attacker.id,
          `INSERT INTO onboarding_link_token (link_id, organization_id, link_token, link_url) VALUES ($1, $2, $3, 'x')`,
          [link, org, 'm'.repeat(43)],
        );
      await expect(mint(link_id, attacker.id)).rejects.toMatchObject({ code: '23505' });
      const bare = (await t.http().post('/api/admin/onboarding/create-link').set(victim.as('owner')).send({ organization_id: victim.id }))
        .body.data.link_id;
      await t.owner.query(`DELETE FROM onboarding_link_token WHERE link_id = $1`, [bare]);
      await expect(mint(bare, attacker.id)).rejects.toMatchObject({ code: '23503' });
      await expect(mint(bare, victim.id)).rejects.toThrow(/row-level security/);
    });

    it('the link holder updates only progress and reads only its organization name', async () => {
      const { link_id, link_token } = (
        await t.http().post('/api/admin/onboarding/create-link').set(victim.as('owner')).send({ organization_id: victim.id })
      ).body.data;
      const holder = (sql: string, params: unknown[] = []) => asContext('link_holder', null, sql, params, link_token);
      await expect(
        holder(`UPDATE onboarding_link SET current_step = 2, progress_percentage = 40 WHERE id = $1`, [link_id]),
      ).resolves.toMatchObject({ rowCount: 1 });
      for (const change of [
        `expires_at = now() + interval '10 years'`,
        `welcome_message = 'owned'`,
        `total_steps = 50`,
        `status = 'active', revoked_at = now()`,
        `organization_id = '${attacker.id}'`,
      ]) {
        await expect(holder(`UPDATE onboarding_link SET ${change} WHERE id = $1`, [link_id])).rejects.toMatchObject({ code: '42501' });
      }
      expect((await holder(`SELECT * FROM organization`)).rows).toEqual([]);
      expect((await holder(`SELECT link_holder_organization_name() AS name`)).rows).toEqual([{ name: victim.name }]);
      expect((await asContext('link_holder', null, `SELECT link_holder_organization_name() AS name`, [], 'x'.repeat(43))).rows).toEqual([
        { name: null },
      ]);
      // Through the API the holder still sees its organization's name.
      const open = await t.http().get(`/api/admin/onboarding/o/${link_token}`);
      expect(open.status).toBe(200);
      expect(open.body.data.organization_name).toBe(victim.name);
    });

    it('an admin cannot create an owner (API and database); an owner and platform roles can', async () => {
      const email = () => `new-${randomUUID().slice(0, 8)}@example.test`;
      const create = (as: 'admin' | 'owner' | 'sb_admin', role: 'admin' | 'owner') =>
        t.http().post('/api/admin/users').set(attacker.as(as)).send({ organization_id: attacker.id, email: email(), role });
      const byAdmin = await create('admin', 'owner');
      expect(byAdmin.status).toBe(403);
      expectErrorBody(byAdmin.body, 403);
      expect((await create('admin', 'admin')).status).toBe(201);
      expect((await create('owner', 'owner')).status).toBe(201);
      expect((await create('sb_admin', 'owner')).status).toBe(201);
      await expect(
        asContext('admin', attacker.id, `INSERT INTO "user" (organization_id, email, role) VALUES ($1, $2, 'owner')`, [
          attacker.id,
          email(),
        ]),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(
        asContext('admin', attacker.id, `UPDATE "user" SET role = 'owner' WHERE id = $1`, [attacker.users.member]),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(
        asContext('admin', attacker.id, `UPDATE "user" SET role = 'member' WHERE id = $1`, [attacker.users.owner]),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(asContext('admin', attacker.id, `DELETE FROM "user" WHERE id = $1`, [attacker.users.owner])).rejects.toMatchObject({
        code: '42501',
      });
      await expect(
        asContext('owner', attacker.id, `UPDATE "user" SET role = 'owner' WHERE id = $1`, [attacker.users.member]),
      ).resolves.toMatchObject({ rowCount: 1 });
    });
  });

  describe('4. no existence oracle for emails', () => {
    it("an email taken in another organization can be used (no 409 revealing it); a duplicate in one's own is a 409", async () => {
      const taken = `shared-${randomUUID().slice(0, 8)}@example.test`;
      expect(
        (await t.http().post('/api/admin/users').set(victim.as('owner')).send({ organization_id: victim.id, email: taken, role: 'member' }))
          .status,
      ).toBe(201);
      const other = await t
        .http()
        .post('/api/admin/users')
        .set(attacker.as('owner'))
        .send({ organization_id: attacker.id, email: taken.toUpperCase(), role: 'member' });
      expect(other.status).toBe(201);
      const dup = await t
        .http()
        .post('/api/admin/users')
        .set(attacker.as('admin'))
        .send({ organization_id: attacker.id, email: taken, role: 'viewer' });
      expect(dup.status).toBe(409);
      expectErrorBody(dup.body, 409);
      expect((await t.owner.query(`SELECT count(*)::int n FROM "user" WHERE lower(email) = $1`, [taken])).rows[0].n).toBe(2);
    });
  });

  describe('5. one event PostgreSQL cannot hold never fails another', () => {
    it('30 concurrent good events beside one with a lone surrogate: all stored', async () => {
      const good = Array.from({ length: 30 }, (_, i) =>
        JSON.stringify(
          instantlyPayload('email_sent', victim.workspaceId, { lead_email: `batch-${i}-${randomUUID().slice(0, 6)}@x.example` }),
        ),
      );
      const poisoned = `{"event_type":"email_sent","workspace":"${victim.workspaceId}","email_id":"${randomUUID()}","note":"\\ud800 lone","\\udfff":"key"}`;
      const send = (body: string) =>
        t
          .http()
          .post('/api/webhooks/instantly')
          .set('x-webhook-secret', TEST_INSTANTLY_SECRET)
          .set('content-type', 'application/json')
          .send(body);
      const answers = await Promise.all([...good.slice(0, 15).map(send), send(poisoned), ...good.slice(15).map(send)]);
      expect(answers.map((r) => r.status)).toEqual(Array(31).fill(200));
      const ids = answers.map((r) => r.body.data.id);
      expect((await t.owner.query(`SELECT count(*)::int n FROM webhook_log WHERE id = ANY($1)`, [ids])).rows[0].n).toBe(31);
      const stored = (await t.owner.query(`SELECT payload FROM webhook_log WHERE id = $1`, [answers[15].body.data.id])).rows[0].payload;
      expect(stored.note).toBe('\uFFFD lone');
      expect(stored['\uFFFD']).toBe('key');
    });

    it('a batch PostgreSQL refuses is split, so only the event it cannot hold is refused', async () => {
      const ingest = t.app.get(WebhookIngestService);
      const event = (payloadJson: string) => ({
        source: 'custom' as const,
        eventType: 'custom.event',
        rawEventType: 'custom.event',
        dedupKey: randomUUID(),
        payloadJson,
        workspaceId: null,
        instantlyCampaignId: null,
        campaignName: null,
        contactEmail: null,
      });
      // Bypasses the receiver's cleaning on purpose: jsonb refuses this escape.
      const results = await Promise.allSettled([
        ...Array.from({ length: 20 }, () => ingest.store(event('{"ok":true}'))),
        ingest.store(event('{"bad":"\\ud800"}')),
        ...Array.from({ length: 20 }, () => ingest.store(event('{"ok":true}'))),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(40);
      expect(results[20]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: '22P02' }) });
    });
  });

  describe('7. the receivers check the secret before the body, and bound their queue', () => {
    it('a wrong secret is answered without the body being read', async () => {
      const port = await t.listen();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            port,
            host: '127.0.0.1',
            method: 'POST',
            path: '/api/webhooks/instantly',
            headers: {
              'content-type': 'application/json',
              'content-length': String(900_000),
              'x-webhook-secret': 'wrong-secret-0123456789',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
            req.destroy();
          },
        );
        req.on('error', () => undefined);
        req.write('{"event_type":"email_sent","pad":"');
        setTimeout(() => reject(new Error('no answer before the body was sent')), 3000).unref();
      });
      expect(status).toBe(401);
    });

    it('when the queue is full, 503 with Retry-After; what was queued is stored once the database takes it', async () => {
      const small = await startTestApp({ WEBHOOK_INGEST_QUEUE_MAX: '3' });
      const lock = await small.owner.connect();
      try {
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE webhook_log IN EXCLUSIVE MODE');
        const send = (i: number) =>
          small
            .http()
            .post('/api/webhooks/instantly')
            .set('x-webhook-secret', TEST_INSTANTLY_SECRET)
            .send(instantlyPayload('email_sent', victim.workspaceId, { email_id: `q-${i}-${randomUUID()}` }));
        const pending = Array.from({ length: 8 }, (_, i) => send(i).then((r) => r));
        // The first flush waits on the lock; three more wait in the queue; the rest are refused.
        await new Promise((r) => setTimeout(r, 500));
        await lock.query('COMMIT');
        const answers = await Promise.all(pending);
        const refused = answers.filter((r) => r.status === 503);
        const stored = answers.filter((r) => r.status === 200);
        expect(refused.length).toBeGreaterThan(0);
        expect(refused.length + stored.length).toBe(8);
        for (const r of refused) {
          expectErrorBody(r.body, 503);
          expect(r.headers['retry-after']).toBe('5');
        }
        const ids = stored.map((r) => r.body.data.id);
        expect((await small.owner.query(`SELECT count(*)::int n FROM webhook_log WHERE id = ANY($1)`, [ids])).rows[0].n).toBe(
          stored.length,
        );
      } finally {
        await lock.query('ROLLBACK').catch(() => undefined);
        lock.release();
        await small.close();
      }
    });
  });

  describe('9. deep JSON', () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    it('is a 400 on admin routes, the public onboarding routes and the receivers; nothing stored', async () => {
      const before = (await t.owner.query(`SELECT count(*)::int n FROM webhook_log`)).rows[0].n;
      const cases = [
        t.http().post('/api/admin/campaigns').set(victim.as('owner')).set('content-type', 'application/json').send(deep(5000)),
        t
          .http()
          .put(`/api/admin/onboarding/o/${'x'.repeat(43)}/progress`)
          .set('content-type', 'application/json')
          .send(deep(5000)),
        t
          .http()
          .post('/api/webhooks/instantly')
          .set('x-webhook-secret', TEST_INSTANTLY_SECRET)
          .set('content-type', 'application/json')
          .send(`{"event_type":"x","p":${deep(5000)}}`),
        t
          .http()
          .post('/api/webhooks/instantly')
          .set('x-webhook-secret', TEST_INSTANTLY_SECRET)
          .set('content-type', 'text/plain')
          .send(`{"event_type":"x","p":${deep(100)}}`),
      ];
      for (const res of await Promise.all(cases)) {
        expect(res.status).toBe(400);
        expectErrorBody(res.body, 400);
        expect(res.body.message).toMatch(/nested deeper than 64/);
      }
      expect((await t.owner.query(`SELECT count(*)::int n FROM webhook_log`)).rows[0].n).toBe(before);
      // Sane nesting is fine, and brackets inside strings do not count.
      const fine = await receive({
        event_type: 'custom',
        nested: JSON.parse(deep(40)),
        text: '[[[[{{{{'.repeat(100),
        email_id: randomUUID(),
      });
      expect(fine.status).toBe(200);
    });
  });

  describe('10. export with an impossible date', () => {
    it.each(['2026-W05', '2026-001', '2026-02-30'])('date_from=%s is a 400 naming the field', async (value) => {
      const res = await t.http().get('/api/admin/webhooks/logs/export').query({ format: 'csv', date_from: value }).set(victim.as('owner'));
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
      expect(res.body.message).toMatch(/date_from/);
      const list = await t.http().get('/api/admin/webhooks/logs').query({ date_from: value }).set(victim.as('owner'));
      expect(list.status).toBe(400);
    });
  });
});
