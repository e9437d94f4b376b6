import { randomUUID } from 'crypto';
import { instantlyPayload } from './support/instantly';
import { bearer, createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TestApp } from './support/test-app';

/** Polls fn until it returns true, for at most ms (a change another instance sees within its cache time). */
async function eventually(fn: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * An organization's and a user's lifecycle: a suspended organization's tokens, credential and
 * public links are refused until it is active again; users are changed and removed under the same
 * rules as their creation, and an inactive or removed user's tokens are refused, on this instance
 * at once and on another within its cache time (AUTH_STANDING_CACHE_MS).
 */
describe('lifecycle: suspended organizations, inactive and removed users', () => {
  let t: TestApp;
  let other: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '100000' });
    // A second instance of the service on the same database.
    other = await startTestApp({ AUTH_STANDING_CACHE_MS: '500' });
  });
  beforeEach(async () => {
    a = await createOrgFixture(t.owner, 'Life A', ['Life A camp']);
    b = await createOrgFixture(t.owner, 'Life B', ['Life B camp']);
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const setStatus = (org: OrgFixture, status: string) =>
    t.http().patch(`/api/admin/organizations/${org.id}`).set(org.as('sb_admin')).send({ status }).expect(200);
  const filter = (app: TestApp, headers: Record<string, string>) => app.http().get('/api/admin/campaigns/filter').set(headers);
  const storedOf = async (org: OrgFixture) =>
    (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE credential_org_id = $1`, [org.id])).rows[0].n as number;

  describe('a suspended organization', () => {
    it('its tokens get 403 on every route, platform roles still manage it, and reactivating restores everything', async () => {
      const credential = (
        await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({}).expect(201)
      ).body.data.secret as string;
      const link = (await t.http().post('/api/admin/onboarding/create-link').set(a.as('owner')).send({ organization_id: a.id }).expect(201))
        .body.data;
      // Another instance has read A's owner as fine before the suspension.
      await filter(other, a.as('owner')).expect(200);
      const event = () => instantlyPayload('email_opened', a.workspaceId, { lead_email: `s-${randomUUID()}@x.example` });
      await t.http().post('/api/webhooks/instantly').set('x-webhook-secret', credential).send(event()).expect(200);

      await setStatus(a, 'suspended');
      for (const role of ['owner', 'admin', 'member'] as const) {
        const res = await filter(t, a.as(role)).expect(403);
        expectErrorBody(res.body, 403);
        expect(res.body.message).toMatch(/suspended/);
      }
      await t
        .http()
        .post('/api/admin/users')
        .set(a.as('owner'))
        .send({ organization_id: a.id, email: `new-${randomUUID()}@a.example`, role: 'member' })
        .expect(403);
      await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({}).expect(403);
      await t.http().get(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).expect(403);
      // Another instance refuses within its cache time.
      const seen = await eventually(async () => (await filter(other, a.as('owner'))).status === 403, 3000);
      expect(seen).toBeLessThan(3000);
      // Platform roles still manage it; B is untouched.
      await t.http().get('/api/admin/organizations').query({ search: a.name }).set(a.as('sb_admin')).expect(200);
      await t.http().get(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('sb_operator')).expect(200);
      await filter(t, b.as('member')).expect(200);

      // Its credential's events are refused, not stored (the index is read again within 5 s).
      await eventually(
        async () => (await t.http().post('/api/webhooks/instantly').set('x-webhook-secret', credential).send(event())).status === 403,
        7000,
      );
      const before = await storedOf(a);
      const refused = await t.http().post('/api/webhooks/instantly').set('x-webhook-secret', credential).send(event()).expect(403);
      expect(refused.body.message).toMatch(/suspended/);
      expect(await storedOf(a)).toBe(before);

      // Its public link: 403 for opening, progress and completion, and nothing tracked.
      for (const req of [
        t.http().get(`/api/admin/onboarding/o/${link.link_token}`),
        t.http().put(`/api/admin/onboarding/o/${link.link_token}/progress`).send({ current_step: 1, progress_percentage: 10 }),
        t.http().post(`/api/admin/onboarding/o/${link.link_token}/complete`),
      ]) {
        const res = await req.expect(403);
        expect(res.body.message).toMatch(/suspended/);
      }
      expect((await t.owner.query(`SELECT clicks_count, status FROM onboarding_link WHERE id = $1`, [link.link_id])).rows[0]).toEqual({
        clicks_count: 0,
        status: 'active',
      });

      await setStatus(a, 'active');
      await filter(t, a.as('member')).expect(200);
      await eventually(async () => (await filter(other, a.as('owner'))).status === 200, 3000);
      await t.http().get(`/api/admin/onboarding/o/${link.link_token}`).expect(200);
      await eventually(
        async () => (await t.http().post('/api/webhooks/instantly').set('x-webhook-secret', credential).send(event())).status === 200,
        7000,
      );
      expect(await storedOf(a)).toBe(before + 1);
    }, 30_000);

    it('only platform roles suspend or reactivate it', async () => {
      for (const role of ['owner', 'admin'] as const) {
        await t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as(role)).send({ status: 'suspended' }).expect(403);
      }
      await t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as('member')).send({ status: 'suspended' }).expect(403);
      expect((await t.owner.query(`SELECT status FROM organization WHERE id = $1`, [a.id])).rows[0].status).toBe('active');
      await t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as('sb_operator')).send({ status: 'suspended' }).expect(200);
      await filter(t, a.as('viewer')).expect(403);
      await t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as('sb_operator')).send({ status: 'active' }).expect(200);
      await filter(t, a.as('viewer')).expect(200);
    });
  });

  describe('PATCH /api/admin/users/{user_id}', () => {
    const patch = (org: OrgFixture, role: 'owner' | 'admin' | 'member' | 'sb_admin', userId: string, body: unknown) =>
      t
        .http()
        .patch(`/api/admin/users/${userId}`)
        .set(org.as(role))
        .send(body as object);

    it('changes names, role and status; an inactive user’s tokens are refused at once here, on another instance within seconds', async () => {
      await filter(other, a.as('member')).expect(200);
      const res = await patch(a, 'admin', a.users.member, { first_name: 'Mia', last_name: null, role: 'viewer' }).expect(200);
      expect(res.body.data).toMatchObject({
        id: a.users.member,
        first_name: 'Mia',
        last_name: null,
        role: 'viewer',
        status: 'active',
        organization_id: a.id,
      });
      await patch(a, 'owner', a.users.member, { status: 'inactive' }).expect(200);
      const refused = await filter(t, a.as('member')).expect(401);
      expect(refused.body.message).toMatch(/inactive/);
      await eventually(async () => (await filter(other, a.as('member'))).status === 401, 3000);
      await patch(a, 'owner', a.users.member, { status: 'active' }).expect(200);
      await filter(t, a.as('member')).expect(200);
      const activity = await t.owner.query(
        `SELECT action, actor_id FROM activity_log WHERE target_id = $1 AND action = 'user.updated' ORDER BY created_at`,
        [a.users.member],
      );
      expect(activity.rows).toHaveLength(3);
    });

    it('keeps the creation rules: an admin neither makes nor changes an owner; members cannot', async () => {
      await patch(a, 'admin', a.users.member, { role: 'owner' }).expect(403);
      await patch(a, 'admin', a.users.owner, { first_name: 'X' }).expect(403);
      await patch(a, 'admin', a.users.owner, { status: 'inactive' }).expect(403);
      await patch(a, 'member', a.users.viewer, { first_name: 'X' }).expect(403);
      await t.http().patch(`/api/admin/users/${a.users.viewer}`).set(a.as('viewer')).send({ first_name: 'X' }).expect(403);
      const owner = await patch(a, 'owner', a.users.member, { role: 'owner' }).expect(200);
      expect(owner.body.data.role).toBe('owner');
      expect((await t.owner.query(`SELECT first_name, role FROM "user" WHERE id = $1`, [a.users.owner])).rows[0]).toEqual({
        first_name: 'owner',
        role: 'owner',
      });
    });

    it('never leaves an organization without an active owner', async () => {
      for (const body of [{ role: 'admin' }, { status: 'inactive' }]) {
        const res = await patch(a, 'owner', a.users.owner, body).expect(409);
        expect(res.body.message).toMatch(/last active owner/);
        await patch(a, 'sb_admin', a.users.owner, body).expect(409);
      }
      await patch(a, 'owner', a.users.admin, { role: 'owner' }).expect(200);
      await patch(a, 'owner', a.users.owner, { role: 'admin' }).expect(200);
      expect((await t.owner.query(`SELECT role FROM "user" WHERE organization_id = $1 AND role = 'owner'`, [a.id])).rows).toHaveLength(1);
    });

    it('another organization’s user is a 404, unchanged; bad ids and bodies are 400', async () => {
      for (const role of ['owner', 'admin'] as const) {
        const res = await patch(a, role, b.users.member, { first_name: 'Hijack', status: 'inactive' }).expect(404);
        expectErrorBody(res.body, 404);
      }
      expect((await t.owner.query(`SELECT first_name, status FROM "user" WHERE id = $1`, [b.users.member])).rows[0]).toEqual({
        first_name: 'member',
        status: 'active',
      });
      await patch(a, 'owner', 'not-a-uuid', { first_name: 'X' }).expect(400);
      await patch(a, 'owner', randomUUID(), { first_name: 'X' }).expect(404);
      for (const body of [
        { role: 'sb_admin' },
        { status: 'deleted' },
        { organization_id: b.id },
        { email: 'x@y.example' },
        { first_name: 'x'.repeat(101) },
        { role: null },
        [],
      ]) {
        const res = await patch(a, 'owner', a.users.member, body).expect(400);
        expectErrorBody(res.body, 400);
      }
      expect((await t.owner.query(`SELECT organization_id, role FROM "user" WHERE id = $1`, [a.users.member])).rows[0]).toEqual({
        organization_id: a.id,
        role: 'member',
      });
    });
  });

  describe('DELETE /api/admin/users/{user_id}', () => {
    const remove = (org: OrgFixture, role: 'owner' | 'admin' | 'member' | 'sb_admin', userId: string) =>
      t.http().delete(`/api/admin/users/${userId}`).set(org.as(role));

    it('removes the user with their assignments; their tokens are refused here at once, on another instance within seconds', async () => {
      const contact = (
        await t.owner.query(`INSERT INTO contact (organization_id, email) VALUES ($1, $2) RETURNING id`, [
          a.id,
          `c-${randomUUID()}@x.example`,
        ])
      ).rows[0].id;
      await t.owner.query(`INSERT INTO user_contact_assignment (user_id, contact_id, organization_id) VALUES ($1, $2, $3)`, [
        a.users.member,
        contact,
        a.id,
      ]);
      await t.owner.query(`INSERT INTO user_campaign_assignment (user_id, campaign_id, organization_id) VALUES ($1, $2, $3)`, [
        a.users.member,
        a.campaigns[0].id,
        a.id,
      ]);
      await filter(other, a.as('member')).expect(200);
      const res = await remove(a, 'admin', a.users.member).expect(200);
      expect(res.body.data).toEqual({ id: a.users.member, campaign_assignments_removed: 1, contact_assignments_removed: 1 });
      expect((await t.owner.query(`SELECT count(*)::int AS n FROM "user" WHERE id = $1`, [a.users.member])).rows[0].n).toBe(0);
      const left = await t.owner.query(
        `SELECT (SELECT count(*) FROM user_contact_assignment WHERE user_id = $1)::int + (SELECT count(*) FROM user_campaign_assignment WHERE user_id = $1)::int AS n`,
        [a.users.member],
      );
      expect(left.rows[0].n).toBe(0);
      const refused = await filter(t, a.as('member')).expect(401);
      expect(refused.body.message).toMatch(/removed/);
      await eventually(async () => (await filter(other, a.as('member'))).status === 401, 3000);
      await remove(a, 'admin', a.users.member).expect(404);
      expect(
        (
          await t.owner.query(`SELECT count(*)::int AS n FROM activity_log WHERE target_id = $1 AND action = 'user.removed'`, [
            a.users.member,
          ])
        ).rows[0].n,
      ).toBe(1);
    });

    it('an admin cannot remove an owner; nobody removes the last active owner', async () => {
      await remove(a, 'admin', a.users.owner).expect(403);
      await remove(a, 'member', a.users.viewer).expect(403);
      const last = await remove(a, 'owner', a.users.owner).expect(409);
      expect(last.body.message).toMatch(/last active owner/);
      await remove(a, 'sb_admin', a.users.owner).expect(409);
      // With a second owner, one of them can go; then the other is the last.
      await t.http().patch(`/api/admin/users/${a.users.admin}`).set(a.as('owner')).send({ role: 'owner' }).expect(200);
      await remove(a, 'sb_admin', a.users.owner).expect(200);
      await t
        .http()
        .delete(`/api/admin/users/${a.users.admin}`)
        .set(bearer('owner', a.id, a.users.admin))
        .expect(409);
    });

    it('two concurrent removals of an organization’s two owners leave one', async () => {
      await t.http().patch(`/api/admin/users/${a.users.admin}`).set(a.as('owner')).send({ role: 'owner' }).expect(200);
      const results = await Promise.all([remove(a, 'sb_admin', a.users.owner), remove(a, 'sb_admin', a.users.admin)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(
        (await t.owner.query(`SELECT count(*)::int AS n FROM "user" WHERE organization_id = $1 AND role = 'owner'`, [a.id])).rows[0].n,
      ).toBe(1);
    });

    it('another organization’s user is a 404 and stays; a malformed id is a 400', async () => {
      for (const role of ['owner', 'admin'] as const) await remove(a, role, b.users.member).expect(404);
      expect((await t.owner.query(`SELECT count(*)::int AS n FROM "user" WHERE id = $1`, [b.users.member])).rows[0].n).toBe(1);
      await filter(t, b.as('member')).expect(200);
      await t.http().delete('/api/admin/users/12345').set(a.as('owner')).expect(400);
    });
  });

  it('a token naming a user of another organization is refused; a subject that was never a user keeps working', async () => {
    const res = await filter(t, bearer('owner', a.id, b.users.owner)).expect(401);
    expect(res.body.message).toMatch(/another organization/);
    await filter(t, bearer('member', a.id, randomUUID())).expect(200);
  });
});
