import jwt from 'jsonwebtoken';
import { randomUUID } from 'crypto';
import { createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TEST_JWT_SECRET, TestApp, token } from './support/test-app';

describe('authentication and authorization', () => {
  let t: TestApp;
  let org: OrgFixture;
  const path = '/api/admin/campaigns/filter';

  beforeAll(async () => {
    t = await startTestApp();
    org = await createOrgFixture(t.owner, 'Auth', ['Auth campaign']);
  });
  afterAll(() => t.close());

  const sign = (payload: object, secret = TEST_JWT_SECRET, opts: jwt.SignOptions = { expiresIn: '1h' }) =>
    jwt.sign(payload, secret, { algorithm: 'HS256', ...opts });

  const cases: [string, () => Record<string, string>][] = [
    ['no token', () => ({})],
    ['not a bearer header', () => ({ Authorization: `Basic abc` })],
    ['malformed token', () => ({ Authorization: 'Bearer not.a.jwt' })],
    [
      'wrong signature',
      () => ({ Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'sb_admin' }, 'another-secret-another-secret-xx')}` }),
    ],
    [
      'expired',
      () => ({
        Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'sb_admin', exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET, {})}`,
      }),
    ],
    ['no expiry', () => ({ Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'sb_admin' }, TEST_JWT_SECRET, {})}` })],
    ['unknown role', () => ({ Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'superuser' })}` })],
    ['system role from a token', () => ({ Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'system' })}` })],
    ['organization role without org_id', () => ({ Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'admin' })}` })],
    ['sub is not a uuid', () => ({ Authorization: `Bearer ${sign({ sub: 'bob', role: 'sb_admin' })}` })],
    ['org_id is not a uuid', () => ({ Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'owner', org_id: "1' OR 1=1" })}` })],
    ['alg none', () => ({ Authorization: `Bearer ${jwt.sign({ sub: randomUUID(), role: 'sb_admin' }, '', { algorithm: 'none' })}` })],
  ];

  it.each(cases)('%s: 401 with the contract body', async (_, headers) => {
    const res = await t.http().get(path).set(headers());
    expect(res.status).toBe(401);
    expectErrorBody(res.body, 401);
  });

  it('a valid token whose role may not use the route: 403 with the contract body', async () => {
    const res = await t.http().post('/api/admin/organizations').set(org.as('owner')).send({ name: 'x' });
    expect(res.status).toBe(403);
    expectErrorBody(res.body, 403);
  });

  it('a valid token passes', async () => {
    const res = await t
      .http()
      .get(path)
      .set({ Authorization: `Bearer ${token('viewer', org.id)}` });
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([org.campaigns[0].id]);
  });

  it('a token accepted (and cached) while valid is refused once it expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const headers = { Authorization: `Bearer ${sign({ sub: randomUUID(), role: 'viewer', org_id: org.id, exp }, TEST_JWT_SECRET, {})}` };
    expect((await t.http().get(path).set(headers)).status).toBe(200);
    expect((await t.http().get(path).set(headers)).status).toBe(200);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 1100));
    const res = await t.http().get(path).set(headers);
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('token expired');
  });

  it('a token refused once is refused again (the cache keeps no wrong answer)', async () => {
    const forged = `Bearer ${sign({ sub: randomUUID(), role: 'sb_admin' }, 'another-secret-another-secret-xx')}`;
    for (let i = 0; i < 3; i++) expect((await t.http().get(path).set({ Authorization: forged })).status).toBe(401);
  });

  it('health and the API docs are public', async () => {
    expect((await t.http().get('/api/health')).body).toMatchObject({ success: true, data: { database: 'up' } });
    const doc = await t.http().get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.components.securitySchemes.bearer).toBeDefined();
    expect(doc.body.paths['/api/admin/campaigns/filter'].get.security).toEqual([{ bearer: [] }]);
    const ui = await t.http().get('/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('unknown routes are a 404 in the contract body', async () => {
    const res = await t.http().get('/api/admin/nope').set(org.as('sb_admin'));
    expect(res.status).toBe(404);
    expectErrorBody(res.body, 404);
  });
});
