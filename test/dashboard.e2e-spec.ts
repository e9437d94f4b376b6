import { TokenRole } from '../src/auth/roles';
import { WebhookRetentionScheduler } from '../src/webhook-logs/webhook-retention.scheduler';
import { createOrgFixture, OrgFixture, startTestApp, TestApp } from './support/test-app';

describe('dashboard and retention', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_LOG_RETENTION_DAYS: '30' });
    a = await createOrgFixture(t.owner, 'Dash A', ['c1', 'c2']);
    b = await createOrgFixture(t.owner, 'Dash B', ['c3']);
    await t.owner.query(
      `INSERT INTO contact (organization_id, email) VALUES ($1, 'd1@x.example'), ($1, 'd2@x.example'), ($2, 'd3@x.example')`,
      [a.id, b.id],
    );
    await t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, created_at)
       VALUES ($1, 'instantly', 'email.sent', 'processed', md5(random()::text), '{}', now()),
              ($1, 'instantly', 'email.sent', 'failed', md5(random()::text), '{}', now() - interval '3 days'),
              ($1, 'instantly', 'email.sent', 'processed', md5(random()::text), '{}', now() - interval '40 days'),
              ($1, 'instantly', 'email.sent', 'failed', md5(random()::text), '{}', now() - interval '40 days'),
              ($2, 'instantly', 'email.sent', 'processed', md5(random()::text), '{}', now())`,
      [a.id, b.id],
    );
  });
  afterAll(() => t.close());

  it('counts for an organization role are its own', async () => {
    const { link_id } = (await t.http().post('/api/admin/onboarding/create-link').set(a.as('owner')).send({ organization_id: a.id })).body
      .data;
    await t.http().post(`/api/admin/onboarding/link/${link_id}/revoke`).set(a.as('owner')).send({}).expect(200);
    await t.http().post('/api/admin/onboarding/create-link').set(a.as('owner')).send({ organization_id: a.id }).expect(201);
    await t
      .http()
      .post(`/api/admin/users/${a.users.member}/assign-campaigns`)
      .set(a.as('owner'))
      .send({ campaign_ids: [a.campaigns[0].id] })
      .expect(200);
    const res = await t.http().get('/api/admin/dashboard/stats').set(a.as('admin'));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      organizations: 1,
      users: 4,
      campaigns: 2,
      contacts: 2,
      webhooks: { last_24h: 1, last_7d: 2, failed: 2, pending: 0 },
      assignments: { campaign_assignments: 1, contact_assignments: 0, unassigned_contacts: 2 },
      onboarding_links: { active: 1, expired: 0, used: 0, revoked: 1 },
    });
    const platform = await t.http().get('/api/admin/dashboard/stats').set(a.as('sb_operator'));
    expect(platform.body.data.organizations).toBeGreaterThanOrEqual(2);
    for (const role of ['member', 'viewer'] as TokenRole[])
      expect((await t.http().get('/api/admin/dashboard/stats').set(a.as(role))).status).toBe(403);
  });

  it('recent activity: newest first, own organization, limit and kind', async () => {
    const res = await t.http().get('/api/admin/dashboard/recent-activity').query({ limit: 100 }).set(a.as('owner'));
    expect(res.status).toBe(200);
    const items = res.body.data.activities;
    expect(items.every((i: { organization_id: string }) => i.organization_id === a.id)).toBe(true);
    const times = items.map((i: { created_at: string }) => i.created_at);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set(items.map((i: { kind: string }) => i.kind))).toEqual(new Set(['webhook', 'onboarding', 'assignment']));
    const revoke = items.find((i: { action: string }) => i.action === 'onboarding.revoked');
    expect(revoke).toMatchObject({ actor_id: a.users.owner, actor_role: 'owner', item_count: 1 });
    const onlyOnboarding = await t
      .http()
      .get('/api/admin/dashboard/recent-activity')
      .query({ kind: 'onboarding', limit: 1 })
      .set(a.as('owner'));
    expect(onlyOnboarding.body.data.activities).toHaveLength(1);
    expect(onlyOnboarding.body.data.activities[0].kind).toBe('onboarding');
    expect((await t.http().get('/api/admin/dashboard/recent-activity').query({ limit: 101 }).set(a.as('owner'))).status).toBe(400);
    expect((await t.http().get('/api/admin/dashboard/recent-activity').query({ kind: 'gossip' }).set(a.as('owner'))).status).toBe(400);
  });

  it('admin actions appear in the platform feed', async () => {
    await t.http().delete('/api/admin/webhooks/logs/cleanup').query({ older_than_days: 365 }).set(a.as('sb_admin')).expect(200);
    const res = await t.http().get('/api/admin/dashboard/recent-activity').query({ kind: 'admin_action' }).set(a.as('sb_admin'));
    expect(res.body.data.activities[0]).toMatchObject({ kind: 'admin_action', action: 'webhook.cleanup', actor_role: 'sb_admin' });
  });

  it('the nightly retention deletes old processed logs only, once per slot across instances', async () => {
    const other = await startTestApp({ WEBHOOK_LOG_RETENTION_DAYS: '30' });
    try {
      const slot = new Date(Date.UTC(2032, 0, 1, 3));
      const [r1, r2] = await Promise.all([
        t.app.get(WebhookRetentionScheduler).runScheduled(slot),
        other.app.get(WebhookRetentionScheduler).runScheduled(slot),
      ]);
      const ran = [r1, r2].filter(Boolean);
      expect(ran).toHaveLength(1);
      expect(ran[0]!.deleted_count).toBeGreaterThanOrEqual(1);
      const left = await t.owner.query(
        `SELECT status FROM webhook_log WHERE organization_id = $1 AND created_at < now() - interval '30 days'`,
        [a.id],
      );
      expect(left.rows).toEqual([{ status: 'failed' }]);
    } finally {
      await other.close();
    }
  });
});
