import { randomUUID } from 'crypto';
import { TokenRole } from '../src/auth/roles';
import { ALL_ROLES, createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TestApp } from './support/test-app';

describe('organizations, users and campaigns API', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;

  beforeAll(async () => {
    t = await startTestApp();
    a = await createOrgFixture(t.owner, 'Org A', ['zeta 100% Match', 'Alpha_under', 'alphaXunder', 'Beta campaign', 'gamma']);
    b = await createOrgFixture(t.owner, 'Org B', ['Alpha of B', 'zeta 100% B']);
  });
  afterAll(() => t.close());

  describe('GET /api/admin/campaigns/filter', () => {
    const filter = (role: TokenRole, query: Record<string, string> = {}, org = a) =>
      t.http().get('/api/admin/campaigns/filter').query(query).set(org.as(role));

    it('search is case-insensitive and ordered by name', async () => {
      const res = await filter('owner', { search: 'ALPHA' });
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
      expect(res.body.data.map((c: { name: string }) => c.name)).toEqual(['Alpha_under', 'alphaXunder']);
      expect(Object.keys(res.body.data[0]).sort()).toEqual(['id', 'name', 'organization_id', 'status']);
    });

    it('treats % and _ literally', async () => {
      expect((await filter('owner', { search: '_' })).body.data.map((c: { name: string }) => c.name)).toEqual(['Alpha_under']);
      expect((await filter('owner', { search: '100%' })).body.data.map((c: { name: string }) => c.name)).toEqual(['zeta 100% Match']);
      expect((await filter('owner', { search: '%' })).body.data).toHaveLength(1);
      expect((await filter('owner', { search: "'; DROP TABLE campaign; --" })).body.data).toEqual([]);
      expect((await filter('owner', { search: '\\' })).body.data).toEqual([]);
    });

    it('filters by status', async () => {
      const res = await filter('member', { status: 'paused' });
      expect(res.body.data.every((c: { status: string }) => c.status === 'paused')).toBe(true);
      expect(res.body.data).toHaveLength(2);
    });

    it("never shows another organization's campaigns, even when asked by id", async () => {
      for (const role of ['owner', 'admin', 'member', 'viewer'] as TokenRole[]) {
        const all = await filter(role);
        expect(all.body.data.every((c: { organization_id: string }) => c.organization_id === a.id)).toBe(true);
        const other = await filter(role, { organization_id: b.id });
        expect(other.status).toBe(200);
        expect(other.body.data).toEqual([]);
      }
    });

    it('platform roles see all organizations and can narrow to one', async () => {
      const res = await filter('sb_operator', { organization_id: b.id });
      expect(res.body.data.map((c: { name: string }) => c.name)).toEqual(['Alpha of B', 'zeta 100% B']);
    });

    it('returns at most 100, by name', async () => {
      await t.owner.query(
        `INSERT INTO campaign (organization_id, name) SELECT $1, 'bulk ' || lpad(g::text, 3, '0') FROM generate_series(1, 130) g`,
        [b.id],
      );
      const res = await filter('owner', {}, b);
      expect(res.body.data).toHaveLength(100);
      const names = res.body.data.map((c: { name: string }) => c.name);
      expect(names).toEqual([...names].sort((x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)));
    });

    it.each([
      [{ organization_id: 'not-a-uuid' }, /organization_id must be a UUID/],
      [{ status: 'bogus' }, /status must be one of/],
      [{ unknown: '1' }, /property unknown should not exist/],
      [{ search: 'x'.repeat(201) }, /search must be shorter than or equal to 200/],
      // A NUL character PostgreSQL refuses in text (found by the fuzz test): a 400, not a 500.
      [{ search: 'a\u0000b', status: 'paused' }, /search must not contain the NUL character/],
    ])('bad query %j is a 400 naming the field', async (query, message) => {
      const res = await filter('sb_admin', query);
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
      expect(res.body.message).toMatch(message);
    });

    it('every role may use it', async () => {
      for (const role of ALL_ROLES) expect((await filter(role)).status).toBe(200);
    });
  });

  describe('GET/POST /api/admin/campaigns', () => {
    it('lists with paging and the list envelope', async () => {
      const p1 = await t.http().get('/api/admin/campaigns').query({ limit: 2, offset: 0 }).set(a.as('viewer'));
      expect(p1.status).toBe(200);
      expect(p1.body.data).toMatchObject({ total: 5, limit: 2, offset: 0, has_more: true });
      expect(p1.body.data.campaigns).toHaveLength(2);
      const p3 = await t.http().get('/api/admin/campaigns').query({ limit: 2, offset: 4 }).set(a.as('viewer'));
      expect(p3.body.data).toMatchObject({ total: 5, has_more: false });
      expect(p3.body.data.campaigns).toHaveLength(1);
    });

    it.each([{ limit: 0 }, { limit: 501 }, { limit: 'ten' }, { offset: -1 }])('limit/offset out of range %j is a 400', async (q) => {
      const res = await t.http().get('/api/admin/campaigns').query(q).set(a.as('sb_admin'));
      expect(res.status).toBe(400);
    });

    it('owner creates in their organization; 201 with the id', async () => {
      const res = await t.http().post('/api/admin/campaigns').set(a.as('owner')).send({ organization_id: a.id, name: 'New one' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ organization_id: a.id, name: 'New one', status: 'active', instantly_campaign_id: null });
      expect(res.body.data.id).toMatch(/^[0-9a-f-]{36}$/);
      // Routing identifiers are set by platform roles only.
      const routed = await t
        .http()
        .post('/api/admin/campaigns')
        .set(a.as('sb_operator'))
        .send({ organization_id: a.id, name: 'Routed', instantly_campaign_id: 'ic-1' });
      expect(routed.status).toBe(201);
      const dup = await t
        .http()
        .post('/api/admin/campaigns')
        .set(a.as('sb_admin'))
        .send({ organization_id: a.id, name: 'Again', instantly_campaign_id: 'ic-1' });
      expect(dup.status).toBe(409);
    });

    it('owner cannot create in another organization: 404, nothing written', async () => {
      const res = await t.http().post('/api/admin/campaigns').set(a.as('owner')).send({ organization_id: b.id, name: 'Cross' });
      expect(res.status).toBe(404);
      expect((await t.owner.query(`SELECT count(*)::int n FROM campaign WHERE name = 'Cross'`)).rows[0].n).toBe(0);
    });

    it('member and viewer may not create', async () => {
      for (const role of ['member', 'viewer'] as TokenRole[]) {
        const res = await t.http().post('/api/admin/campaigns').set(a.as(role)).send({ organization_id: a.id, name: 'x' });
        expect(res.status).toBe(403);
      }
    });

    it.each([
      [{}, /organization_id must be a UUID.*name must be a string/],
      [{ organization_id: 'nope', name: 'x' }, /organization_id must be a UUID/],
      [{ organization_id: randomUUID(), name: 42 }, /name must be a string/],
      [{ organization_id: randomUUID(), name: 'x', status: 'live' }, /status must be one of/],
      [{ organization_id: randomUUID(), name: 'x', owner: 'me' }, /property owner should not exist/],
    ])('bad body %j is a 400 naming every bad field', async (body, message) => {
      const res = await t.http().post('/api/admin/campaigns').set(a.as('sb_admin')).send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
    });

    it('unknown organization is a 404', async () => {
      const res = await t.http().post('/api/admin/campaigns').set(a.as('sb_admin')).send({ organization_id: randomUUID(), name: 'x' });
      expect(res.status).toBe(404);
    });

    it('a 2 MB body is a 413, not a 500', async () => {
      const res = await t
        .http()
        .post('/api/admin/campaigns')
        .set(a.as('sb_admin'))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ organization_id: a.id, name: 'x'.repeat(2 * 1024 * 1024) }));
      expect(res.status).toBe(413);
      expectErrorBody(res.body, 413);
    });

    it('malformed JSON is a 400', async () => {
      const res = await t
        .http()
        .post('/api/admin/campaigns')
        .set(a.as('sb_admin'))
        .set('Content-Type', 'application/json')
        .send('{"name": ');
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
    });

    it('a body that is not JSON is a 415 and creates nothing', async () => {
      const name = `form ${randomUUID()}`;
      const res = await t
        .http()
        .post('/api/admin/campaigns')
        .set(a.as('sb_admin'))
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(`organization_id=${a.id}&name=${encodeURIComponent(name)}`);
      expect(res.status).toBe(415);
      expectErrorBody(res.body, 415);
      expect(res.body.message).toMatch(/application\/json/);
      expect((await t.owner.query(`SELECT 1 FROM campaign WHERE name = $1`, [name])).rowCount).toBe(0);
    });

    it('a body poisoning the prototype (__proto__) is a 400', async () => {
      const res = await t
        .http()
        .post('/api/admin/campaigns')
        .set(a.as('sb_admin'))
        .set('Content-Type', 'application/json')
        .send(`{"organization_id": "${a.id}", "name": "x", "__proto__": {"isAdmin": true}}`);
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
    });

    it('an empty JSON body is "no body": every missing field is named', async () => {
      const res = await t.http().post('/api/admin/campaigns').set(a.as('sb_admin')).set('Content-Type', 'application/json').send('');
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/organization_id must be a UUID.*name must be a string/);
    });
  });

  describe('organizations', () => {
    it('platform roles create; organization roles may not', async () => {
      const created = await t
        .http()
        .post('/api/admin/organizations')
        .set(a.as('sb_operator'))
        .send({ name: 'Fresh Org', auto_assign_strategy: 'lead_score' });
      expect(created.status).toBe(201);
      expect(created.body.data).toMatchObject({ name: 'Fresh Org', auto_assign_strategy: 'lead_score', status: 'active' });
      for (const role of ['owner', 'admin', 'member', 'viewer'] as TokenRole[]) {
        expect((await t.http().post('/api/admin/organizations').set(a.as(role)).send({ name: 'x' })).status).toBe(403);
      }
    });

    it('owner/admin list only their own; member and viewer are refused', async () => {
      for (const role of ['owner', 'admin'] as TokenRole[]) {
        const res = await t.http().get('/api/admin/organizations').set(a.as(role));
        expect(res.status).toBe(200);
        expect(res.body.data.organizations.map((o: { id: string }) => o.id)).toEqual([a.id]);
        expect(res.body.data.total).toBe(1);
      }
      for (const role of ['member', 'viewer'] as TokenRole[]) {
        expect((await t.http().get('/api/admin/organizations').set(a.as(role))).status).toBe(403);
      }
      const all = await t.http().get('/api/admin/organizations').query({ limit: 500 }).set(a.as('sb_admin'));
      expect(all.body.data.organizations.map((o: { id: string }) => o.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    it('owner edits their own organization but gets 404 for another one', async () => {
      const own = await t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as('owner')).send({ auto_assign_strategy: 'round_robin' });
      expect(own.status).toBe(200);
      expect(own.body.data.auto_assign_strategy).toBe('round_robin');
      const other = await t.http().patch(`/api/admin/organizations/${b.id}`).set(a.as('owner')).send({ name: 'Hijacked' });
      expect(other.status).toBe(404);
      expect((await t.owner.query(`SELECT name FROM organization WHERE id = $1`, [b.id])).rows[0].name).toBe(b.name);
      const status = await t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as('owner')).send({ status: 'suspended' });
      expect(status.status).toBe(403);
    });

    it('bad input', async () => {
      expect((await t.http().patch('/api/admin/organizations/123').set(a.as('sb_admin')).send({ name: 'x' })).status).toBe(400);
      expect((await t.http().patch(`/api/admin/organizations/${randomUUID()}`).set(a.as('sb_admin')).send({ name: 'x' })).status).toBe(404);
      expect((await t.http().post('/api/admin/organizations').set(a.as('sb_admin')).send({ name: '' })).status).toBe(400);
      const strat = await t
        .http()
        .post('/api/admin/organizations')
        .set(a.as('sb_admin'))
        .send({ name: 'x', auto_assign_strategy: 'random' });
      expect(strat.status).toBe(400);
      expect(strat.body.message).toMatch(/auto_assign_strategy/);
      const dupWs = await t
        .http()
        .post('/api/admin/organizations')
        .set(a.as('sb_admin'))
        .send({ name: 'dup', instantly_workspace_id: a.workspaceId });
      expect(dupWs.status).toBe(409);
    });
  });

  describe('POST /api/admin/users', () => {
    it('owner/admin create users in their own organization only', async () => {
      const res = await t
        .http()
        .post('/api/admin/users')
        .set(a.as('admin'))
        .send({ organization_id: a.id, email: `new-${randomUUID()}@a.test`, role: 'member' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ organization_id: a.id, role: 'member', status: 'active' });
      const cross = await t
        .http()
        .post('/api/admin/users')
        .set(a.as('owner'))
        .send({ organization_id: b.id, email: `x-${randomUUID()}@a.test`, role: 'member' });
      expect(cross.status).toBe(404);
    });

    it('platform creates anywhere; member and viewer may not', async () => {
      const res = await t
        .http()
        .post('/api/admin/users')
        .set(a.as('sb_admin'))
        .send({ organization_id: b.id, email: `p-${randomUUID()}@b.test`, role: 'owner', first_name: 'P' });
      expect(res.status).toBe(201);
      for (const role of ['member', 'viewer'] as TokenRole[]) {
        expect(
          (await t.http().post('/api/admin/users').set(a.as(role)).send({ organization_id: a.id, email: 'z@z.test', role: 'member' }))
            .status,
        ).toBe(403);
      }
    });

    it('duplicate email is 409; bad fields are 400', async () => {
      const email = `dup-${randomUUID()}@a.test`;
      expect(
        (await t.http().post('/api/admin/users').set(a.as('owner')).send({ organization_id: a.id, email, role: 'member' })).status,
      ).toBe(201);
      expect(
        (
          await t
            .http()
            .post('/api/admin/users')
            .set(a.as('owner'))
            .send({ organization_id: a.id, email: email.toUpperCase(), role: 'member' })
        ).status,
      ).toBe(409);
      const bad = await t
        .http()
        .post('/api/admin/users')
        .set(a.as('owner'))
        .send({ organization_id: a.id, email: 'not-an-email', role: 'sb_admin' });
      expect(bad.status).toBe(400);
      // A validator that throws on its input (isEmail on lone surrogates, found by the fuzz test) is a 400 too.
      const thrown = await t
        .http()
        .post('/api/admin/users')
        .set(a.as('owner'))
        .set('content-type', 'application/json')
        .send(JSON.stringify({ organization_id: a.id, email: '\udbff\udbff', role: 'member' }));
      expect(thrown.status).toBe(400);
      expectErrorBody(thrown.body, 400);
      expect(bad.body.message).toMatch(/email must be an email/);
      expect(bad.body.message).toMatch(/role must be one of/);
    });
  });

  describe('a method a path does not have', () => {
    it('is a 405 with Allow, before the token or the body is looked at; an unknown path stays a 404', async () => {
      const cases: [string, string, string][] = [
        ['patch', '/api/admin/webhooks/logs', 'GET, HEAD'],
        ['delete', '/api/admin/organizations', 'GET, HEAD, POST'],
        ['get', '/api/webhooks/instantly', 'POST'],
        ['put', `/api/admin/onboarding/link/${randomUUID()}/revoke`, 'POST'],
        ['post', '/API/ADMIN/CAMPAIGNS/FILTER/', 'GET, HEAD, PATCH'],
      ];
      for (const [method, path, allow] of cases) {
        for (const headers of [{}, a.as('viewer'), a.as('sb_admin')]) {
          const res = await (t.http() as unknown as Record<string, (u: string) => import('supertest').Test>)
            [method](path)
            .set(headers)
            .set('Content-Type', 'application/json')
            .send('{"not": "read"');
          expect(res.status).toBe(405);
          expect(res.headers.allow).toBe(allow);
          expectErrorBody(res.body, 405);
        }
      }
      // A path several templates match allows what any of them allows (GET /logs/{id} and DELETE /logs/cleanup).
      expect((await t.http().get('/api/admin/webhooks/logs/cleanup').set(a.as('sb_admin'))).status).toBe(400);
      expect((await t.http().patch('/api/admin/nothing/here').set(a.as('sb_admin'))).status).toBe(404);
    });
  });

  describe('strangers cost no body read', () => {
    /** The status line answered to headers announcing a body that is never sent, or '' if none came within 3 s. */
    const statusFor = async (lines: string[]) => {
      const port = await t.listen();
      const { connect } = await import('net');
      return new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`${lines.join('\r\n')}\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n{`),
        );
        let text = '';
        const timer = setTimeout(() => socket.destroy(), 3000);
        socket.on('data', (d) => {
          text += d.toString();
          if (text.includes('\r\n')) socket.destroy();
        });
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(text.split('\r\n')[0]);
        });
        socket.on('error', reject);
      });
    };

    it('no token, a bad token or an unknown path is answered as soon as the headers are in, the body unread', async () => {
      expect(await statusFor(['POST /api/admin/organizations HTTP/1.1'])).toBe('HTTP/1.1 401 Unauthorized');
      expect(await statusFor(['POST /api/admin/organizations HTTP/1.1', 'Authorization: Bearer not.a.token'])).toBe(
        'HTTP/1.1 401 Unauthorized',
      );
      expect(await statusFor(['POST /api/admin/no/such/route HTTP/1.1', `Authorization: ${a.as('sb_admin').Authorization}`])).toBe(
        'HTTP/1.1 404 Not Found',
      );
      // With a token the route accepts, the body is awaited (no answer before it has come).
      expect(await statusFor(['POST /api/admin/organizations HTTP/1.1', `Authorization: ${a.as('sb_admin').Authorization}`])).toBe('');
    });
  });

  describe('PATCH /api/admin/campaigns/{id}', () => {
    it("renames and re-statuses the organization's own campaign; another organization's is a 404 and unchanged", async () => {
      const mine = a.campaigns[4];
      const res = await t
        .http()
        .patch(`/api/admin/campaigns/${mine.id}`)
        .set(a.as('admin'))
        .send({ name: 'gamma renamed', status: 'archived' })
        .expect(200);
      expect(res.body.data).toMatchObject({ id: mine.id, organization_id: a.id, name: 'gamma renamed', status: 'archived' });
      expect((await t.http().patch(`/api/admin/campaigns/${mine.id}`).set(a.as('owner')).send({}).expect(200)).body.data.name).toBe(
        'gamma renamed',
      );
      const theirs = b.campaigns[0];
      for (const role of ['owner', 'admin'] as TokenRole[]) {
        expectErrorBody(
          (await t.http().patch(`/api/admin/campaigns/${theirs.id}`).set(a.as(role)).send({ name: 'taken' }).expect(404)).body,
          404,
        );
      }
      for (const role of ['member', 'viewer'] as TokenRole[])
        await t.http().patch(`/api/admin/campaigns/${mine.id}`).set(a.as(role)).send({ name: 'x' }).expect(403);
      expect((await t.owner.query(`SELECT name FROM campaign WHERE id = $1`, [theirs.id])).rows[0].name).toBe(theirs.name);
      await t.http().patch(`/api/admin/campaigns/${theirs.id}`).set(a.as('sb_admin')).send({ status: 'paused' }).expect(200);
      for (const bad of [{ status: 'gone' }, { name: '' }, { instantly_campaign_id: 'capture' }, { name: null }]) {
        expectErrorBody((await t.http().patch(`/api/admin/campaigns/${mine.id}`).set(a.as('owner')).send(bad).expect(400)).body, 400);
      }
      await t.http().patch('/api/admin/campaigns/not-a-uuid').set(a.as('owner')).send({ name: 'x' }).expect(400);
    });
  });
});
