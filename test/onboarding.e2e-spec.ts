import { randomUUID } from 'crypto';
import { TokenRole } from '../src/auth/roles';
import { OnboardingExpiryScheduler } from '../src/onboarding/onboarding-expiry.scheduler';
import { createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TestApp } from './support/test-app';

describe('onboarding links', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;

  const create = async (org: OrgFixture, body: Record<string, unknown> = {}, role: TokenRole = 'owner') =>
    t
      .http()
      .post('/api/admin/onboarding/create-link')
      .set(org.as(role))
      .send({ organization_id: org.id, ...body });
  const pub = (token: string) => `/api/admin/onboarding/o/${token}`;
  const link = async (id: string) => (await t.owner.query(`SELECT * FROM onboarding_link WHERE id = $1`, [id])).rows[0];

  beforeAll(async () => {
    t = await startTestApp({ ONBOARDING_BASE_URL: 'https://onboard.example/o/', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' });
    a = await createOrgFixture(t.owner, 'Onboard A');
    b = await createOrgFixture(t.owner, 'Onboard B');
  });
  afterAll(() => t.close());

  it('full lifecycle: create, access (tracked), progress, complete, then 410', async () => {
    const res = await create(a, { template_name: 'Advanced', welcome_message: 'Hi!', expiration_days: 3, total_steps: 4 });
    expect(res.status).toBe(201);
    const { link_id, link_token, link_url, status, expires_at } = res.body.data;
    expect(status).toBe('active');
    expect(link_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link_url).toBe(`https://onboard.example/o/${link_token}`);
    expect(new Date(expires_at).getTime() - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    expect((await link(link_id)).created_by).toBe(a.users.owner);

    const first = await t.http().get(pub(link_token)).set('User-Agent', 'Browser/1.0');
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({
      organization_name: a.name,
      welcome_message: 'Hi!',
      total_steps: 4,
      current_step: 1,
      progress_percentage: 0,
      template_name: 'Advanced',
    });
    await t.http().get(pub(link_token)).set('User-Agent', 'Browser/2.0').expect(200);
    const tracked = await link(link_id);
    expect(tracked.clicks_count).toBe(2);
    expect(tracked.first_accessed_at).not.toBeNull();
    expect(tracked.last_accessed_at.getTime()).toBeGreaterThanOrEqual(tracked.first_accessed_at.getTime());
    expect(tracked.user_agents.map((u: { user_agent: string }) => u.user_agent)).toEqual(['Browser/1.0', 'Browser/2.0']);
    expect(tracked.ip_addresses[0].ip).toMatch(/127\.0\.0\.1|::1|::ffff:127\.0\.0\.1/);

    expect(
      (
        await t
          .http()
          .put(`${pub(link_token)}/progress`)
          .send({ current_step: 3, progress_percentage: 60 })
      ).body,
    ).toEqual({ success: true, message: 'Progress updated successfully' });
    expect(await link(link_id)).toMatchObject({ current_step: 3, progress_percentage: 60 });
    const done = await t.http().post(`${pub(link_token)}/complete`);
    expect(done.status).toBe(200);
    expect(await link(link_id)).toMatchObject({ status: 'used', progress_percentage: 100 });
    const after = await t.http().get(pub(link_token));
    expect(after.status).toBe(410);
    expectErrorBody(after.body, 410);
    expect(
      (
        await t
          .http()
          .put(`${pub(link_token)}/progress`)
          .send({ current_step: 1, progress_percentage: 1 })
      ).status,
    ).toBe(410);
    const act = await t.owner.query(`SELECT action FROM activity_log WHERE target_id = $1 ORDER BY created_at`, [link_id]);
    expect(act.rows.map((r) => r.action)).toEqual(['onboarding.created', 'onboarding.completed']);
  });

  it('revoke then 403; revoking again is a 409', async () => {
    const { link_id, link_token } = (await create(a)).body.data;
    const res = await t
      .http()
      .post(`/api/admin/onboarding/link/${link_id}/revoke`)
      .set(a.as('admin'))
      .send({ reason: 'sent to the wrong person' });
    expect(res.body).toEqual({ success: true, message: `Onboarding link ${link_id} revoked successfully` });
    expect(await link(link_id)).toMatchObject({ status: 'revoked', revoked_by: a.users.admin, revoked_reason: 'sent to the wrong person' });
    expect((await t.http().get(pub(link_token))).status).toBe(403);
    expect((await t.http().post(`/api/admin/onboarding/link/${link_id}/revoke`).set(a.as('admin')).send({})).status).toBe(409);
    expect((await t.http().post(`/api/admin/onboarding/link/${link_id}/extend`).set(a.as('admin')).send({})).status).toBe(409);
  });

  it('a link past expires_at is refused before the job runs, expired by the job (directly and by expire-now), then extended back', async () => {
    const one = (await create(a)).body.data;
    const two = (await create(a)).body.data;
    await t.owner.query(`UPDATE onboarding_link SET expires_at = now() - interval '1 minute' WHERE id = ANY($1)`, [
      [one.link_id, two.link_id],
    ]);
    expect((await t.http().get(pub(one.link_token))).status).toBe(410);
    expect((await link(one.link_id)).status).toBe('active');

    const scheduled = await t.app.get(OnboardingExpiryScheduler).runScheduled(new Date(Date.UTC(2030, 0, 1)));
    expect(scheduled!.expired_count).toBeGreaterThanOrEqual(2);
    expect((await link(one.link_id)).status).toBe('expired');
    expect((await t.http().get(pub(one.link_token))).status).toBe(410);

    const three = (await create(a)).body.data;
    await t.owner.query(`UPDATE onboarding_link SET expires_at = now() - interval '1 second' WHERE id = $1`, [three.link_id]);
    for (const role of ['sb_operator', 'owner'] as TokenRole[]) {
      expect((await t.http().post('/api/admin/onboarding/expire-now').set(a.as(role))).status).toBe(403);
    }
    const now = await t.http().post('/api/admin/onboarding/expire-now').set(a.as('sb_admin'));
    expect(now.body).toEqual({ success: true, expired_count: 1 });
    expect((await link(three.link_id)).status).toBe('expired');

    const ext = await t.http().post(`/api/admin/onboarding/link/${one.link_id}/extend`).set(a.as('owner')).send({ additional_days: 2 });
    expect(ext.body).toEqual({ success: true, message: 'Link expiration extended by 2 days' });
    const back = await link(one.link_id);
    expect(back.status).toBe('active');
    expect(back.expires_at.getTime()).toBeGreaterThan(Date.now() + 1.9 * 86_400_000);
    expect((await t.http().get(pub(one.link_token))).status).toBe(200);
  });

  it('two instances run the job at the same moment: expired once, one run logged', async () => {
    const other = await startTestApp();
    try {
      const ids = await Promise.all([create(b), create(b), create(b)]).then((rs) => rs.map((r) => r.body.data.link_id));
      await t.owner.query(`UPDATE onboarding_link SET expires_at = now() - interval '1 minute' WHERE id = ANY($1)`, [ids]);
      const slot = new Date(Date.UTC(2031, 5, 1));
      const [r1, r2] = await Promise.all([
        t.app.get(OnboardingExpiryScheduler).runScheduled(slot),
        other.app.get(OnboardingExpiryScheduler).runScheduled(slot),
      ]);
      const ran = [r1, r2].filter((r) => r !== null);
      expect(ran).toHaveLength(1);
      expect(ran[0].expired_count).toBe(3);
      const runs = await t.owner.query(`SELECT * FROM job_run WHERE job = 'onboarding-expiry' AND slot = $1`, [slot]);
      expect(runs.rows).toHaveLength(1);
      expect(runs.rows[0].result).toEqual({ expired_count: 3 });
      const logged = await t.owner.query(
        `SELECT count(*)::int n FROM activity_log WHERE action = 'onboarding.expired' AND details->>'trigger' = 'schedule' AND item_count = 3`,
      );
      expect(logged.rows[0].n).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('150 accesses keep only the last 100 IPs and user agents', async () => {
    const { link_id, link_token } = (await create(a)).body.data;
    for (let i = 0; i < 150; i++) await t.http().get(pub(link_token)).set('User-Agent', `UA-${i}`).expect(200);
    const l = await link(link_id);
    expect(l.clicks_count).toBe(150);
    expect(l.ip_addresses).toHaveLength(100);
    expect(l.user_agents).toHaveLength(100);
    expect(l.user_agents[0].user_agent).toBe('UA-50');
    expect(l.user_agents[99].user_agent).toBe('UA-149');
  });

  describe('validation', () => {
    it.each([
      [{ expiration_days: 0 }, /expiration_days must not be less than 1/],
      [{ expiration_days: 1000 }, /expiration_days must not be greater than 365/],
      [{ total_steps: 0 }, /total_steps/],
      [{ total_steps: 51 }, /total_steps/],
      [{ organization_id: 'x' }, /organization_id must be a UUID/],
      [{ created_by: randomUUID() }, /property created_by should not exist/],
    ])('create %j: 400', async (body, message) => {
      const res = await create(a, body);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
    });

    it('progress out of range, malformed tokens and unknown ids', async () => {
      const { link_token, link_id } = (await create(a, { total_steps: 3 })).body.data;
      const put = (body: object) =>
        t
          .http()
          .put(`${pub(link_token)}/progress`)
          .send(body);
      expect((await put({ current_step: 4, progress_percentage: 10 })).status).toBe(400);
      expect((await put({ current_step: 4, progress_percentage: 10 })).body.message).toMatch(/between 1 and 3/);
      expect((await put({ current_step: 0, progress_percentage: 10 })).status).toBe(400);
      expect((await put({ current_step: 1, progress_percentage: 101 })).status).toBe(400);
      expect((await put({ current_step: 1, progress_percentage: -1 })).status).toBe(400);
      expect((await put({ current_step: '2', progress_percentage: 10 })).status).toBe(400);
      expect(await link(link_id)).toMatchObject({ current_step: 1, progress_percentage: 0 });
      expect((await t.http().get(pub('short'))).status).toBe(400);
      expect((await t.http().get(pub("' OR 1=1 --aaaaaaaaaaaaaaa"))).status).toBe(400);
      expect((await t.http().get(pub('A'.repeat(43)))).status).toBe(404);
      expect((await t.http().post(`${pub('B'.repeat(43))}/complete`)).status).toBe(404);
      expect((await t.http().get(`/api/admin/onboarding/link/${randomUUID()}`).set(a.as('owner'))).status).toBe(404);
      expect((await t.http().get(`/api/admin/onboarding/link/123`).set(a.as('owner'))).status).toBe(400);
      expect((await t.http().post(`/api/admin/onboarding/link/${randomUUID()}/extend`).set(a.as('owner')).send({})).status).toBe(404);
      expect(
        (await t.http().post(`/api/admin/onboarding/link/${link_id}/extend`).set(a.as('owner')).send({ additional_days: 366 })).status,
      ).toBe(400);
    });
  });

  describe('roles and tenants', () => {
    it('member reads own organization only and cannot create or revoke; viewer cannot read', async () => {
      const { link_id } = (await create(a)).body.data;
      const bLink = (await create(b)).body.data.link_id;
      const list = await t.http().get('/api/admin/onboarding/links').set(a.as('member'));
      expect(list.status).toBe(200);
      expect(list.body.data.links.length).toBeGreaterThan(0);
      expect(
        list.body.data.links.every(
          (l: { organization_id: string; organization_name: string }) => l.organization_id === a.id && l.organization_name === a.name,
        ),
      ).toBe(true);
      expect(list.body.data).toMatchObject({ limit: 100, offset: 0 });
      // A page past the end still reports the total (no row to carry the window count).
      const past = await t.http().get('/api/admin/onboarding/links').query({ offset: 10_000 }).set(a.as('member'));
      expect(past.body.data).toMatchObject({ links: [], total: list.body.data.total, has_more: false });
      expect(list.body.data.total).toBeGreaterThan(0);
      expect((await t.http().get(`/api/admin/onboarding/link/${link_id}`).set(a.as('member'))).status).toBe(200);
      expect((await t.http().get(`/api/admin/onboarding/link/${bLink}`).set(a.as('member'))).status).toBe(404);
      expect((await create(a, {}, 'member')).status).toBe(403);
      expect((await t.http().post(`/api/admin/onboarding/link/${link_id}/revoke`).set(a.as('member')).send({})).status).toBe(403);
      expect((await t.http().get('/api/admin/onboarding/links').set(a.as('viewer'))).status).toBe(403);
    });

    it("an owner cannot see or touch another organization's links", async () => {
      const bLink = (await create(b)).body.data.link_id;
      expect(
        (
          await create(b, {}, 'owner').then(() =>
            t.http().post('/api/admin/onboarding/create-link').set(a.as('owner')).send({ organization_id: b.id }),
          )
        ).status,
      ).toBe(404);
      expect((await t.http().post(`/api/admin/onboarding/link/${bLink}/revoke`).set(a.as('owner')).send({})).status).toBe(404);
      expect((await t.http().post(`/api/admin/onboarding/link/${bLink}/extend`).set(a.as('owner')).send({})).status).toBe(404);
      expect((await link(bLink)).status).toBe('active');
      const list = await t.http().get('/api/admin/onboarding/links').query({ organization_id: b.id }).set(a.as('owner'));
      expect(list.body.data.links).toEqual([]);
      const platform = await t
        .http()
        .get('/api/admin/onboarding/links')
        .query({ organization_id: b.id, status: 'active' })
        .set(a.as('sb_operator'));
      expect(platform.body.data.links.map((l: { id: string }) => l.id)).toContain(bLink);
    });

    it('a platform token whose subject is no user creates and revokes; the foreign keys are null', async () => {
      const res = await create(a, {}, 'sb_admin');
      expect(res.status).toBe(201);
      expect((await link(res.body.data.link_id)).created_by).toBeNull();
      await t.http().post(`/api/admin/onboarding/link/${res.body.data.link_id}/revoke`).set(a.as('sb_admin')).send({}).expect(200);
      const act = await t.owner.query(`SELECT actor_id FROM activity_log WHERE target_id = $1 AND action = 'onboarding.revoked'`, [
        res.body.data.link_id,
      ]);
      expect(act.rows[0].actor_id).not.toBeNull();
    });

    it('the public routes reveal nothing beyond the one link', async () => {
      const { link_token } = (await create(a, { welcome_message: 'only mine' })).body.data;
      const res = await t.http().get(pub(link_token));
      expect(Object.keys(res.body.data).sort()).toEqual([
        'current_step',
        'expires_at',
        'organization_name',
        'progress_percentage',
        'template_name',
        'total_steps',
        'welcome_message',
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/link_token|ip_addresses|organization_id/);
    });
  });
});

describe('public rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '20' });
  });
  afterAll(() => t.close());

  it('a burst of guesses gets 429s', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await t.http().get(`/api/admin/onboarding/o/${randomUUID().replace(/-/g, '')}`)).status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    const last = await t.http().get(`/api/admin/onboarding/o/${'C'.repeat(43)}`);
    expect(last.status).toBe(429);
    expectErrorBody(last.body, 429);
  });
});
