import { randomUUID } from 'crypto';
import { TokenRole } from '../src/auth/roles';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { instantlyPayload } from './support/instantly';
import { createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

describe('assignments', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;

  const contactsFor = async (org: OrgFixture, n: number, score = (i: number) => i, prefix = 'p') =>
    (
      await t.owner.query(
        `INSERT INTO contact (organization_id, email, first_name, company, lead_score)
         SELECT $1, $2 || g || '-' || substr(md5(random()::text), 1, 6) || '@lead.example', 'Lead ' || g, 'Co ' || (g % 5), s
           FROM unnest($3::int[]) WITH ORDINALITY AS x(s, g) RETURNING id`,
        [org.id, prefix, Array.from({ length: n }, (_, i) => score(i))],
      )
    ).rows.map((r) => r.id as string);
  const activeCounts = async (orgId: string) =>
    Object.fromEntries(
      (
        await t.owner.query(
          `SELECT u.id, count(a.id)::int n FROM "user" u LEFT JOIN user_contact_assignment a ON a.user_id = u.id AND a.status = 'active'
          WHERE u.organization_id = $1 AND u.role IN ('owner', 'admin', 'member') AND u.status = 'active' GROUP BY u.id`,
          [orgId],
        )
      ).rows.map((r) => [r.id, r.n]),
    );

  beforeAll(async () => {
    t = await startTestApp();
    a = await createOrgFixture(t.owner, 'Assign A', ['A one', 'A two', 'A three']);
    b = await createOrgFixture(t.owner, 'Assign B', ['B one']);
  });
  afterAll(() => t.close());

  describe('the roadmap flows over HTTP', () => {
    it('assign campaigns, read them back, remove, re-assign, and see the counts in the user list', async () => {
      const member = a.users.member;
      const [c1, c2] = a.campaigns;
      const res = await t
        .http()
        .post(`/api/admin/users/${member}/assign-campaigns`)
        .set(a.as('owner'))
        .send({ campaign_ids: [c1.id, c2.id, b.campaigns[0].id, randomUUID()], role: 'admin', can_edit: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, success_count: 2, failed_count: 2 });
      expect(res.body.failed_items.map((f: { reason: string }) => f.reason).sort()).toEqual(['campaign not found', 'campaign not found']);
      const asPlatform = await t
        .http()
        .post(`/api/admin/users/${member}/assign-campaigns`)
        .set(a.as('sb_admin'))
        .send({ campaign_ids: [b.campaigns[0].id] });
      expect(asPlatform.body.failed_items).toEqual([{ id: b.campaigns[0].id, reason: 'campaign belongs to another organization' }]);

      const got = await t.http().get(`/api/admin/users/${member}/assignments`).set(a.as('member'));
      expect(got.status).toBe(200);
      expect(got.body.data.campaigns_count).toBe(2);
      expect(got.body.data.campaigns[0]).toMatchObject({ role: 'admin', can_edit: true, can_view_stats: true });
      const row = (await t.owner.query(`SELECT assigned_by FROM user_campaign_assignment WHERE user_id = $1 LIMIT 1`, [member])).rows[0];
      expect(row.assigned_by).toBe(a.users.owner);

      expect((await t.http().delete(`/api/admin/users/${member}/campaigns/${c1.id}`).set(a.as('admin'))).body).toEqual({
        success: true,
        message: 'User removed from campaign',
      });
      expect((await t.http().delete(`/api/admin/users/${member}/campaigns/${c1.id}`).set(a.as('admin'))).status).toBe(404);
      let users = await t.http().get('/api/admin/users').set(a.as('member'));
      expect(users.body.data.users.find((u: { id: string }) => u.id === member).campaigns_count).toBe(1);

      const again = await t
        .http()
        .post(`/api/admin/users/${member}/assign-campaigns`)
        .set(a.as('owner'))
        .send({ campaign_ids: [c1.id], role: 'viewer' });
      expect(again.body.success_count).toBe(1);
      users = await t.http().get('/api/admin/users').query({ organization_id: a.id }).set(a.as('sb_operator'));
      expect(users.body.data.users.find((u: { id: string }) => u.id === member).campaigns_count).toBe(2);
      expect(users.body.data.users).toHaveLength(4);
      const past = await t.http().get('/api/admin/users').query({ organization_id: a.id, offset: 100 }).set(a.as('sb_operator'));
      expect(past.body.data).toMatchObject({ users: [], total: 4, has_more: false });
      expect(
        (await t.owner.query(`SELECT role, status FROM user_campaign_assignment WHERE user_id = $1 AND campaign_id = $2`, [member, c1.id]))
          .rows[0],
      ).toEqual({ role: 'viewer', status: 'active' });
    });

    it('assign contacts (transferring them), remove, and the picker shows owners', async () => {
      const [x, y] = await contactsFor(a, 2, () => 5, 'flow');
      const r1 = await t
        .http()
        .post(`/api/admin/users/${a.users.admin}/assign-contacts`)
        .set(a.as('owner'))
        .send({ contact_ids: [x, y] });
      expect(r1.body).toEqual({ success: true, success_count: 2, failed_count: 0, failed_items: [] });
      const r2 = await t
        .http()
        .post(`/api/admin/users/${a.users.member}/assign-contacts`)
        .set(a.as('owner'))
        .send({ contact_ids: [x], assignment_type: 'territory' });
      expect(r2.body.success_count).toBe(1);
      const owners = (await t.owner.query(`SELECT user_id, status FROM user_contact_assignment WHERE contact_id = $1 ORDER BY status`, [x]))
        .rows;
      expect(owners).toEqual([
        { user_id: a.users.member, status: 'active' },
        { user_id: a.users.admin, status: 'transferred' },
      ]);
      const picker = await t.http().get('/api/admin/contacts').query({ search: 'flow', assigned: 'true' }).set(a.as('member'));
      expect(picker.body.data.contacts.map((c: { id: string; owner: { user_id: string } }) => [c.id, c.owner.user_id]).sort()).toEqual(
        [
          [x, a.users.member],
          [y, a.users.admin],
        ].sort(),
      );
      expect((await t.http().delete(`/api/admin/users/${a.users.member}/contacts/${x}`).set(a.as('owner'))).status).toBe(200);
      const unassigned = await t.http().get('/api/admin/contacts').query({ search: 'flow', assigned: 'false' }).set(a.as('admin'));
      expect(unassigned.body.data.contacts.map((c: { id: string; owner: null }) => [c.id, c.owner])).toEqual([[x, null]]);
      const detail = await t.http().get(`/api/admin/users/${a.users.admin}/assignments`).set(a.as('owner'));
      expect(detail.body.data.contacts.map((c: { contact_id: string }) => c.contact_id)).toEqual([y]);
      const act = await t.owner.query(
        `SELECT action, item_count, actor_id FROM activity_log WHERE organization_id = $1 AND action LIKE 'assignment.%' ORDER BY created_at`,
        [a.id],
      );
      expect(act.rows.map((r) => r.action)).toEqual(
        expect.arrayContaining([
          'assignment.campaigns_assigned',
          'assignment.contacts_assigned',
          'assignment.contact_removed',
          'assignment.campaign_removed',
        ]),
      );
    });

    it('a platform token whose subject is no user still assigns; assigned_by is then null', async () => {
      const [c] = await contactsFor(a, 1, () => 1, 'platform');
      const res = await t
        .http()
        .post(`/api/admin/users/${a.users.admin}/assign-contacts`)
        .set(a.as('sb_operator'))
        .send({ contact_ids: [c] });
      expect(res.body.success_count).toBe(1);
      expect(
        (await t.owner.query(`SELECT assigned_by FROM user_contact_assignment WHERE contact_id = $1`, [c])).rows[0].assigned_by,
      ).toBeNull();
    });

    it('the picker filters by campaign, score and search, with paging', async () => {
      const org = await createOrgFixture(t.owner, 'Picker', ['P camp']);
      await t.owner.query(
        `INSERT INTO contact (organization_id, email, company, lead_score, campaign_id)
         SELECT $1, 'pick' || g || '@x.example', CASE WHEN g = 3 THEN '100% Co' ELSE 'Co' END, g * 10, CASE WHEN g <= 2 THEN $2::uuid END
           FROM generate_series(1, 5) g`,
        [org.id, org.campaigns[0].id],
      );
      const q = (query: Record<string, unknown>) => t.http().get('/api/admin/contacts').query(query).set(org.as('owner'));
      expect((await q({ campaign_id: org.campaigns[0].id })).body.data.contacts).toHaveLength(2);
      expect((await q({ min_lead_score: 40 })).body.data.contacts.map((c: { lead_score: number }) => c.lead_score)).toEqual([50, 40]);
      expect((await q({ search: '100%' })).body.data.contacts).toHaveLength(1);
      const page = await q({ limit: 2, offset: 2 });
      expect(page.body.data).toMatchObject({ total: 5, limit: 2, offset: 2, has_more: true });
      expect((await q({ assigned: 'maybe' })).status).toBe(400);
      expect((await t.http().get('/api/admin/contacts').query({ organization_id: org.id }).set(a.as('owner'))).body.data.contacts).toEqual(
        [],
      );
      expect((await t.http().get('/api/admin/contacts').set(a.as('viewer'))).status).toBe(403);
    });
  });

  describe('auto-assign', () => {
    it('round robin evens out an uneven start', async () => {
      const org = await createOrgFixture(t.owner, 'RR');
      const pre = await contactsFor(org, 6, () => 0, 'pre');
      await t
        .http()
        .post(`/api/admin/users/${org.users.owner}/assign-contacts`)
        .set(org.as('owner'))
        .send({ contact_ids: pre })
        .expect(200);
      await contactsFor(org, 15, () => 0, 'new');
      const res = await t
        .http()
        .post('/api/admin/assignments/auto-assign')
        .set(org.as('admin'))
        .send({ organization_id: org.id, strategy: 'round_robin' });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ strategy: 'round_robin', assigned_count: 15, eligible_users: 3 });
      const counts = await activeCounts(org.id);
      // 6 + 15 = 21 over owner, admin, member: 7 each.
      expect(Object.values(counts).sort()).toEqual([7, 7, 7]);
      expect(counts[org.users.viewer]).toBeUndefined();
      const assigned = res.body.data.assignments.map((x: { contact_id: string }) => x.contact_id);
      expect(new Set(assigned).size).toBe(15);
      const again = await t
        .http()
        .post('/api/admin/assignments/auto-assign')
        .set(org.as('admin'))
        .send({ organization_id: org.id, strategy: 'round_robin' });
      expect(again.body.data.assigned_count).toBe(0);
    });

    it('lead score spreads a known set to exactly the expected owners', async () => {
      const org = await createOrgFixture(t.owner, 'LS');
      // Only two eligible users: deactivate the member.
      await t.owner.query(`UPDATE "user" SET status = 'inactive' WHERE id = $1`, [org.users.member]);
      const ids = await contactsFor(org, 5, (i) => [90, 80, 50, 40, 10][i], 'ls');
      const res = await t
        .http()
        .post('/api/admin/assignments/auto-assign')
        .set(org.as('sb_admin'))
        .send({ organization_id: org.id, strategy: 'lead_score', contact_ids: ids });
      expect(res.status).toBe(200);
      const byContact = Object.fromEntries(
        res.body.data.assignments.map((x: { contact_id: string; user_id: string }) => [x.contact_id, x.user_id]),
      );
      const [first, second] = [org.users.owner, org.users.admin].sort();
      expect(ids.map((id) => byContact[id])).toEqual([first, second, second, first, first]);
      const sums = (
        await t.owner.query(
          `SELECT a.user_id, sum(c.lead_score)::int s FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id WHERE a.organization_id = $1 AND a.status = 'active' GROUP BY a.user_id`,
          [org.id],
        )
      ).rows;
      expect(sums.map((r) => r.s).sort()).toEqual([130, 140]);
    });

    it('10 concurrent calls on one organization never assign a contact twice and keep the balance', async () => {
      const org = await createOrgFixture(t.owner, 'Concurrent');
      await contactsFor(org, 300, () => 0, 'cc');
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          t
            .http()
            .post('/api/admin/assignments/auto-assign')
            .set(org.as('owner'))
            .send({ organization_id: org.id, strategy: 'round_robin' }),
        ),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(results.reduce((s, r) => s + r.body.data.assigned_count, 0)).toBe(300);
      const dup = await t.owner.query(
        `SELECT contact_id FROM user_contact_assignment WHERE organization_id = $1 AND status = 'active' GROUP BY contact_id HAVING count(*) > 1`,
        [org.id],
      );
      expect(dup.rows).toEqual([]);
      expect(Object.values(await activeCounts(org.id))).toEqual([100, 100, 100]);
    });

    it("another organization's contacts fail per item; another organization is a 404 for its own roles", async () => {
      const [mine] = await contactsFor(a, 1, () => 1, 'mine');
      const [theirs] = await contactsFor(b, 1, () => 1, 'theirs');
      const res = await t
        .http()
        .post('/api/admin/assignments/auto-assign')
        .set(a.as('owner'))
        .send({ organization_id: a.id, strategy: 'lead_score', contact_ids: [mine, theirs] });
      expect(res.body.data).toMatchObject({
        assigned_count: 1,
        failed_count: 1,
        failed_items: [{ id: theirs, reason: 'contact not found' }],
      });
      const cross = await t
        .http()
        .post('/api/admin/assignments/auto-assign')
        .set(a.as('owner'))
        .send({ organization_id: b.id, strategy: 'round_robin' });
      expect(cross.status).toBe(404);
      expect((await t.owner.query(`SELECT count(*)::int n FROM user_contact_assignment WHERE contact_id = $1`, [theirs])).rows[0].n).toBe(
        0,
      );
    });

    it('new contacts from webhooks are assigned in organizations that auto-assign', async () => {
      const org = await createOrgFixture(t.owner, 'Hooked');
      await t.owner.query(`UPDATE organization SET auto_assign_strategy = 'round_robin' WHERE id = $1`, [org.id]);
      for (let i = 0; i < 6; i++) {
        await t
          .http()
          .post('/api/webhooks/instantly')
          .set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET })
          .send(instantlyPayload('email_sent', org.workspaceId, { lead_email: `hooked${i}@lead.example` }))
          .expect(200);
      }
      await t
        .http()
        .post('/api/webhooks/instantly')
        .set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET })
        .send(instantlyPayload('email_opened', org.workspaceId, { lead_email: 'hooked0@lead.example' }))
        .expect(200);
      await t.app.get(WebhookProcessorService).drain();
      expect(Object.values(await activeCounts(org.id)).sort()).toEqual([2, 2, 2]);
      const auto = await t.owner.query(`SELECT assignment_type, assigned_by FROM user_contact_assignment WHERE organization_id = $1`, [
        org.id,
      ]);
      expect(auto.rows.every((r) => r.assignment_type === 'round_robin' && r.assigned_by === null)).toBe(true);
    });
  });

  describe('roles, tenants and bad input', () => {
    it('member and viewer may not write; viewer may not read', async () => {
      for (const role of ['member', 'viewer'] as TokenRole[]) {
        expect(
          (
            await t
              .http()
              .post(`/api/admin/users/${a.users.member}/assign-campaigns`)
              .set(a.as(role))
              .send({ campaign_ids: [a.campaigns[0].id] })
          ).status,
        ).toBe(403);
        expect(
          (
            await t
              .http()
              .post(`/api/admin/users/${a.users.member}/assign-contacts`)
              .set(a.as(role))
              .send({ contact_ids: [randomUUID()] })
          ).status,
        ).toBe(403);
        expect((await t.http().delete(`/api/admin/users/${a.users.member}/contacts/${randomUUID()}`).set(a.as(role))).status).toBe(403);
        expect(
          (
            await t
              .http()
              .post('/api/admin/assignments/auto-assign')
              .set(a.as(role))
              .send({ organization_id: a.id, strategy: 'round_robin' })
          ).status,
        ).toBe(403);
      }
      expect((await t.http().get('/api/admin/users').set(a.as('viewer'))).status).toBe(403);
      expect((await t.http().get(`/api/admin/users/${a.users.member}/assignments`).set(a.as('viewer'))).status).toBe(403);
      expect((await t.http().get('/api/admin/users').set(a.as('member'))).status).toBe(200);
    });

    it("another organization's user is a 404 and nothing is written", async () => {
      const before = (await t.owner.query(`SELECT count(*)::int n FROM user_campaign_assignment`)).rows[0].n;
      const res = await t
        .http()
        .post(`/api/admin/users/${b.users.member}/assign-campaigns`)
        .set(a.as('owner'))
        .send({ campaign_ids: [b.campaigns[0].id] });
      expect(res.status).toBe(404);
      expect((await t.http().get(`/api/admin/users/${b.users.member}/assignments`).set(a.as('owner'))).status).toBe(404);
      expect((await t.http().delete(`/api/admin/users/${b.users.member}/campaigns/${b.campaigns[0].id}`).set(a.as('owner'))).status).toBe(
        404,
      );
      expect((await t.owner.query(`SELECT count(*)::int n FROM user_campaign_assignment`)).rows[0].n).toBe(before);
      const users = await t.http().get('/api/admin/users').query({ organization_id: b.id }).set(a.as('owner'));
      expect(users.body.data.users).toEqual([]);
    });

    it('an inactive user cannot be assigned', async () => {
      const org = await createOrgFixture(t.owner, 'Inactive');
      await t.owner.query(`UPDATE "user" SET status = 'inactive' WHERE id = $1`, [org.users.member]);
      expect(
        (
          await t
            .http()
            .post(`/api/admin/users/${org.users.member}/assign-campaigns`)
            .set(org.as('owner'))
            .send({ campaign_ids: [randomUUID()] })
        ).status,
      ).toBe(409);
    });

    it.each([
      ['malformed user id', 'post', '/api/admin/users/nope/assign-campaigns', { campaign_ids: ['CAMPAIGN'] }, /user_id must be a UUID/],
      ['empty list', 'post', '/api/admin/users/MEMBER/assign-campaigns', { campaign_ids: [] }, /campaign_ids must contain at least 1/],
      [
        '20,000 ids',
        'post',
        '/api/admin/users/MEMBER/assign-contacts',
        { contact_ids: 'MANY' },
        /contact_ids must contain no more than 10000/,
      ],
      [
        'malformed id in the list',
        'post',
        '/api/admin/users/MEMBER/assign-contacts',
        { contact_ids: ['1; DROP TABLE contact'] },
        /each value in contact_ids must be a UUID/,
      ],
      [
        'unknown assignment_type',
        'post',
        '/api/admin/users/MEMBER/assign-contacts',
        { contact_ids: ['CAMPAIGN'], assignment_type: 'random' },
        /assignment_type must be one of/,
      ],
      [
        'unknown role',
        'post',
        '/api/admin/users/MEMBER/assign-campaigns',
        { campaign_ids: ['CAMPAIGN'], role: 'god' },
        /role must be one of/,
      ],
      [
        'wrong type',
        'post',
        '/api/admin/users/MEMBER/assign-campaigns',
        { campaign_ids: ['CAMPAIGN'], can_edit: 'yes' },
        /can_edit must be a boolean/,
      ],
      [
        'unknown strategy',
        'post',
        '/api/admin/assignments/auto-assign',
        { organization_id: 'ORG', strategy: 'random' },
        /strategy must be one of/,
      ],
      ['missing organization', 'post', '/api/admin/assignments/auto-assign', { strategy: 'round_robin' }, /organization_id must be a UUID/],
      ['malformed campaign in path', 'delete', '/api/admin/users/MEMBER/campaigns/xyz', undefined, /campaign_id must be a UUID/],
    ])('%s: 400', async (_, method, path, body, message) => {
      const fill = (s: string) => s.replace('MEMBER', a.users.member).replace('CAMPAIGN', a.campaigns[0].id).replace('ORG', a.id);
      const payload = body === undefined ? undefined : JSON.parse(fill(JSON.stringify(body)));
      if (payload && payload.contact_ids === 'MANY') payload.contact_ids = Array.from({ length: 20000 }, () => randomUUID());
      const req =
        method === 'post' ? t.http().post(fill(path)).set(a.as('owner')).send(payload) : t.http().delete(fill(path)).set(a.as('owner'));
      const res = await req;
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
      expect(res.body.message).toMatch(message);
    });
  });
});
