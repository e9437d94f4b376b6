import { randomUUID } from 'crypto';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { instantlyPayload } from './support/instantly';
import { createOrgFixture, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

/**
 * Routing by campaign id cannot be captured through an organization's own credential: events
 * received with A's credential create A's campaigns, but only the platform's mappings (a platform
 * role's campaign, or one workspace-routed processing created) route events received with the
 * global secret whose workspace is unmapped.
 */
describe('routing by Instantly campaign id (migration CampaignRouting)', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  let processor: WebhookProcessorService;
  let credential: string;

  const log = async (id: string) =>
    (await t.owner.query(`SELECT status, organization_id, error_message FROM webhook_log WHERE id = $1`, [id])).rows[0];
  const send = async (secret: string, body: Record<string, unknown>) =>
    (await t.http().post('/api/webhooks/instantly').set('x-webhook-secret', secret).send(body).expect(200)).body.data.id as string;
  /** An event of the global secret whose workspace no organization is mapped to. */
  const unmapped = (campaignId: string) =>
    instantlyPayload('email_opened', `unmapped-${randomUUID()}`, { campaign_id: campaignId, lead_email: `l-${randomUUID()}@x.example` });

  beforeAll(async () => {
    t = await startTestApp();
    processor = t.app.get(WebhookProcessorService);
    a = await createOrgFixture(t.owner, 'Router A');
    b = await createOrgFixture(t.owner, 'Router B');
    credential = (await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({}).expect(201)).body
      .data.secret;
  });
  afterAll(() => t.close());

  it("A cannot take a campaign id B is routed by: B's events still reach B", async () => {
    const campaignId = `b-routed-${randomUUID()}`;
    await t
      .http()
      .post('/api/admin/campaigns')
      .set(b.as('sb_admin'))
      .send({ organization_id: b.id, name: 'B mapped', instantly_campaign_id: campaignId })
      .expect(201);
    // A's credential names B's campaign id: A gets a campaign of its own by that id.
    const taken = await send(credential, instantlyPayload('email_sent', a.workspaceId, { campaign_id: campaignId }));
    await processor.drain();
    expect(await log(taken)).toMatchObject({ status: 'processed', organization_id: a.id });
    expect(
      (
        await t.owner.query(`SELECT organization_id, routes_events FROM campaign WHERE instantly_campaign_id = $1 ORDER BY routes_events`, [
          campaignId,
        ])
      ).rows,
    ).toEqual([
      { organization_id: a.id, routes_events: false },
      { organization_id: b.id, routes_events: true },
    ]);
    // B's next event (unmapped workspace, routed by the campaign id) goes to B, not failed as ambiguous.
    const next = await send(TEST_INSTANTLY_SECRET, unmapped(campaignId));
    await processor.drain();
    expect(await log(next)).toMatchObject({ status: 'processed', organization_id: b.id });
  });

  it('A cannot pre-create a campaign id that would route another organization’s events to A', async () => {
    const campaignId = `pre-created-${randomUUID()}`;
    const planted = await send(credential, instantlyPayload('email_sent', a.workspaceId, { campaign_id: campaignId }));
    await processor.drain();
    expect(await log(planted)).toMatchObject({ status: 'processed', organization_id: a.id });
    const victim = await send(TEST_INSTANTLY_SECRET, unmapped(campaignId));
    await processor.drain();
    // Not routed to A: it waits, failed, for a platform admin to map its workspace.
    expect(await log(victim)).toMatchObject({ status: 'failed', organization_id: null });
    expect((await log(victim)).error_message).toMatch(/no organization is mapped/);
    expect(
      (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE organization_id = $1 AND id = $2`, [a.id, victim])).rows[0].n,
    ).toBe(0);
  });

  it('a campaign workspace-routed processing created routes later events by its id; an organization role cannot make a campaign route', async () => {
    const campaignId = `workspace-made-${randomUUID()}`;
    const first = await send(TEST_INSTANTLY_SECRET, instantlyPayload('email_sent', b.workspaceId, { campaign_id: campaignId }));
    await processor.drain();
    expect(await log(first)).toMatchObject({ status: 'processed', organization_id: b.id });
    const later = await send(TEST_INSTANTLY_SECRET, unmapped(campaignId));
    await processor.drain();
    expect(await log(later)).toMatchObject({ status: 'processed', organization_id: b.id });
    // The database refuses routes_events from an organization role, whatever the service does.
    const { Client } = await import('pg');
    const { runtimeUrlFor, testDbName } = await import('./support/db-urls');
    const { inRlsContext } = await import('./support/rls-context');
    const runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    try {
      await inRlsContext(runtime, 'owner', a.id, async () => {
        await expect(
          runtime.query(`INSERT INTO campaign (organization_id, name, routes_events) VALUES ($1, 'x', true)`, [a.id]),
        ).rejects.toMatchObject({ code: '42501' });
      });
      await inRlsContext(runtime, 'owner', a.id, async () => {
        await expect(runtime.query(`UPDATE campaign SET routes_events = true WHERE organization_id = $1`, [a.id])).rejects.toMatchObject({
          code: '42501',
        });
      });
    } finally {
      await runtime.end();
    }
  });
});

describe("organizations' webhook credentials at receipt", () => {
  const METRICS_TOKEN = 'metrics-test-token-0123456789';
  let t: TestApp;
  let a: OrgFixture;
  const reloads = async () =>
    Number(
      /webhook_credential_reloads_total (\d+)/.exec(
        (await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text,
      )?.[1] ?? 0,
    );
  const post = (secret: string) =>
    t.http().post('/api/webhooks/instantly').set('x-webhook-secret', secret).send(instantlyPayload('email_sent', a.workspaceId));

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
    a = await createOrgFixture(t.owner, 'Credential index');
  });
  afterAll(() => t.close());

  it('a flood of well-formed wrong credentials costs no database work: each is a 401 from memory', async () => {
    const secret = (await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({}).expect(201)).body
      .data.secret;
    await post(secret).expect(200);
    const before = await reloads();
    const guesses = Array.from(
      { length: 300 },
      () => `sbwh_${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 11)}`,
    );
    for (let i = 0; i < guesses.length; i += 50) {
      const answers = await Promise.all(guesses.slice(i, i + 50).map((g) => post(g)));
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 401));
    }
    // At most the index's periodic re-read (every 5 s), not one read per guess.
    expect((await reloads()) - before).toBeLessThanOrEqual(2);
    await post(secret).expect(200);
  });

  it('a rotation takes effect at once; the previous secret works through its grace period only', async () => {
    const first = (
      await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({ grace_hours: 0 }).expect(201)
    ).body.data.secret;
    await post(first).expect(200);
    const second = (
      await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({ grace_hours: 1 }).expect(201)
    ).body.data.secret;
    await post(second).expect(200);
    await post(first).expect(200);
    const third = (
      await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({ grace_hours: 0 }).expect(201)
    ).body.data.secret;
    await post(third).expect(200);
    await post(second).expect(401);
    await post(first).expect(401);
  });
});

describe("an organization's credential is a neighbour: rate and size limits", () => {
  const METRICS_TOKEN = 'metrics-test-token-0123456789';
  const env = {
    METRICS_TOKEN,
    WEBHOOK_CREDENTIAL_RATE_PER_SECOND: '1',
    WEBHOOK_CREDENTIAL_BURST: '5',
    WEBHOOK_CREDENTIAL_MAX_BYTES: '2048',
  };
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  const credentialOf = async (app: TestApp, org: OrgFixture) =>
    (await app.http().post(`/api/admin/organizations/${org.id}/webhook-credential`).set(org.as('owner')).send({}).expect(201)).body.data
      .secret as string;
  const post = (app: TestApp, org: OrgFixture, secret: string, extra: Record<string, unknown> = {}) =>
    app
      .http()
      .post('/api/webhooks/instantly')
      .set('x-webhook-secret', secret)
      .send(instantlyPayload('email_sent', org.workspaceId, { lead_email: `n-${randomUUID()}@x.example`, ...extra }));

  beforeAll(async () => {
    t = await startTestApp(env);
    a = await createOrgFixture(t.owner, 'Flooder');
    b = await createOrgFixture(t.owner, 'Neighbour');
  });
  afterAll(() => t.close());

  it('beyond its burst a credential gets 429 with Retry-After, counted and not stored; another credential and the global secret are unaffected', async () => {
    const [flooder, neighbour] = [await credentialOf(t, a), await credentialOf(t, b)];
    const before = (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE credential_org_id = $1`, [a.id])).rows[0].n;
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await post(t, a, flooder));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(Number(answers[5].headers['retry-after'])).toBeGreaterThan(0);
    expect(answers[5].body.message).toMatch(/more than 5 events/);
    expect(
      (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE credential_org_id = $1`, [a.id])).rows[0].n - before,
    ).toBe(5);
    await post(t, b, neighbour).expect(200);
    await post(t, a, TEST_INSTANTLY_SECRET).expect(200);
    const metrics = (await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
    expect(metrics).toMatch(/webhooks_rejected_total\{source="instantly",status="429"\} 3\b/);
  });

  it("a body over the credential's size limit is a 413 and nothing is stored; the global secret keeps the 1 MB limit", async () => {
    const other = await createOrgFixture(t.owner, 'Big bodies');
    const secret = await credentialOf(t, other);
    const big = { personalization: 'x'.repeat(4096) };
    const res = await post(t, other, secret, big);
    expect(res.status).toBe(413);
    expect((await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE credential_org_id = $1`, [other.id])).rows[0].n).toBe(0);
    await post(t, other, secret).expect(200);
    await post(t, other, TEST_INSTANTLY_SECRET, big).expect(200);
  });

  it('with REDIS_URL the limit is one for every instance', async () => {
    const shared = { ...env, REDIS_URL: 'redis://127.0.0.1:6379' };
    const [one, two] = [await startTestApp(shared), await startTestApp(shared)];
    try {
      const org = await createOrgFixture(one.owner, 'Two instances');
      const secret = await credentialOf(one, org);
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await post(i % 2 ? two : one, org, secret)).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
