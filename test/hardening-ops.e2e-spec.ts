import { randomUUID } from 'crypto';
import { connect, Socket } from 'net';
import { signToken } from '../src/auth/jwt';
import { adminUrlFor, testDbName, TEST_LOGIN_ROLE } from './support/db-urls';
import { instantlyPayload } from './support/instantly';
import {
  createOrgFixture,
  expectErrorBody,
  OrgFixture,
  startTestApp,
  TEST_INSTANTLY_SECRET,
  TEST_JWT_SECRET,
  TestApp,
} from './support/test-app';

/** Issue 12's fair sharing and operations items: exports, logs, start-up checks, token rules. */
describe('exports share the pool fairly', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  let port: number;

  beforeAll(async () => {
    // Pool of 5: at most 2 exports at once in this instance, 2 per organization.
    t = await startTestApp({ EXPORT_STALL_TIMEOUT_MS: '1500' });
    a = await createOrgFixture(t.owner, 'Export A');
    b = await createOrgFixture(t.owner, 'Export B');
    // Enough rows that a client who reads nothing fills the socket buffers and stalls the export.
    await t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, campaign_name, contact_email)
       SELECT $1::uuid, 'instantly', 'email.sent', 'processed', md5(g::text || $1::text), '{}'::jsonb, 'Campaign with a long enough name ' || g, 'lead' || g || '@x.example'
         FROM generate_series(1, 80000) g`,
      [a.id],
    );
    port = await t.listen();
  }, 120000);
  afterAll(() => t.close());

  /** An export whose client sends the request and then never reads. */
  const stalledExport = (org: OrgFixture): Promise<Socket> =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write(
          `GET /api/admin/webhooks/logs/export?format=csv HTTP/1.1\r\nHost: x\r\nAuthorization: ${org.as('owner').Authorization}\r\n\r\n`,
        );
        s.pause();
        resolve(s);
      });
      s.on('error', () => undefined);
    });
  /** Connections held by an export's cursor (its portal shows as active while suspended). */
  const inTransaction = async () =>
    (
      await t.owner.query(
        `SELECT count(*)::int n FROM pg_stat_activity WHERE usename = $1 AND datname = $2 AND state <> 'idle' AND query LIKE 'SELECT id, event_type, event_source, campaign_name%'`,
        [TEST_LOGIN_ROLE, testDbName()],
      )
    ).rows[0].n;

  it('two stalled exports: a third is a 429 with Retry-After, other requests are served, and the stalled ones end after the timeout', async () => {
    const stalled = [await stalledExport(a), await stalledExport(a)];
    await new Promise((r) => setTimeout(r, 400));
    expect(await inTransaction()).toBe(2);
    const third = await t.http().get('/api/admin/webhooks/logs/export').query({ format: 'csv' }).set(a.as('admin'));
    expect(third.status).toBe(429);
    expectErrorBody(third.body, 429);
    expect(third.headers['retry-after']).toBe('10');
    // Another organization: the instance's limit (half the pool) is reached too.
    expect((await t.http().get('/api/admin/webhooks/logs/export').query({ format: 'json' }).set(b.as('owner'))).status).toBe(429);
    // Everything else still gets a connection.
    expect((await t.http().get('/api/admin/campaigns').set(b.as('owner'))).status).toBe(200);
    const received = await t
      .http()
      .post('/api/webhooks/instantly')
      .set('x-webhook-secret', TEST_INSTANTLY_SECRET)
      .send(instantlyPayload('email_sent', b.workspaceId));
    expect(received.status).toBe(200);
    expect((await t.http().get('/api/admin/webhooks/logs').query({ limit: 1 }).set(a.as('member'))).status).toBe(200);

    // After the stall timeout the exports are ended, their transactions rolled back, connections free.
    const deadline = Date.now() + 10000;
    while ((await inTransaction()) > 0) {
      if (Date.now() > deadline) throw new Error('stalled exports still hold their connections');
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const s of stalled) s.destroy();
    const fresh = await t
      .http()
      .get('/api/admin/webhooks/logs/export')
      .query({ format: 'csv', contact_email: 'lead7@x.example' })
      .set(a.as('owner'));
    expect(fresh.status).toBe(200);
    expect(fresh.text.trim().split('\n')).toHaveLength(2);
  }, 60000);
});

/** Runs fn with what is written to stdout (Nest's logger) captured instead of printed. */
async function withStdout<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    return { value: await fn(), text: written.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('request and error logs', () => {
  it('never print an onboarding token', async () => {
    let token = '';
    const { text: log } = await withStdout(async () => {
      const t = await startTestApp({ LOG_REQUESTS: 'true', LOG_LEVEL: 'log' });
      try {
        const org = await createOrgFixture(t.owner, 'Logs');
        token = (await t.http().post('/api/admin/onboarding/create-link').set(org.as('owner')).send({ organization_id: org.id })).body.data
          .link_token;
        await t.http().get(`/api/admin/onboarding/o/${token}`).expect(200);
        await t.http().put(`/api/admin/onboarding/o/${token}/progress`).send({ current_step: 2, progress_percentage: 10 }).expect(200);
        await t
          .http()
          .get(`/api/admin/onboarding/o/${'u'.repeat(43)}`)
          .expect(404);
        // Every spelling of the path Express routes (any case, repeated slashes) or a client may
        // send (percent-encoded, twice): the token is in no log line.
        for (const path of [
          `/API/ADMIN/ONBOARDING/O/${token}`,
          `/api/admin//onboarding//o//${token}`,
          `/api/admin/onboarding/%6F/${token}`,
          `/api/admin/onboarding/%256F/${token}/progress`,
          `/api/admin/%6Fnboarding/O/${token}`,
          `/api/admin/onboarding/o/${token}%0Ax`,
        ]) {
          await t.http().get(path);
        }
      } finally {
        await t.close();
      }
    });
    expect(log).toMatch(/"path":"\/api\/admin\/onboarding\/o\/\[redacted\]\/progress"/);
    expect(log).not.toMatch(/onboarding\/o\/(?!\[redacted\])[A-Za-z0-9_-]{16,}/);
    expect(log).not.toContain(token);
  });

  it('never print the email of a personal-data request (subject access, erasure, a refused one)', async () => {
    const email = 'Secret.Subject@Logged-Nowhere.example';
    const { text: log } = await withStdout(async () => {
      const t = await startTestApp({ LOG_REQUESTS: 'true', LOG_LEVEL: 'debug' });
      try {
        const org = await createOrgFixture(t.owner, 'Privacy logs');
        await t.owner.query(`INSERT INTO contact (organization_id, email) VALUES ($1, $2)`, [org.id, email]);
        await t.http().get('/api/admin/privacy/subject').query({ email }).set(org.as('owner')).expect(200);
        await t.http().post('/api/admin/privacy/erase').set(org.as('owner')).send({ email, suppress: true }).expect(200);
        await t.http().get('/api/admin/privacy/subject').query({ email, organization_id: 'x' }).set(org.as('owner')).expect(400);
        await t.http().get('/api/admin/privacy/subject').query({ email }).set(org.as('member')).expect(403);
      } finally {
        await t.close();
      }
    });
    expect(log).toMatch(/"path":"\/api\/admin\/privacy\/erase"/);
    expect(log).toMatch(/erasure by owner .* for [0-9a-f]{16}: \{"contacts":1/);
    expect(log.toLowerCase()).not.toContain('secret.subject');
    expect(log.toLowerCase()).not.toContain('logged-nowhere');
  });
});

describe('start-up and health', () => {
  it('a superuser login starts with a warning, and health says so; requests still run under RLS', async () => {
    const { value: t, text: startup } = await withStdout(() =>
      startTestApp({ DATABASE_URL: adminUrlFor(testDbName()), LOG_LEVEL: 'warn' }),
    );
    try {
      expect(startup).toMatch(/database login "postgres" is a superuser or has BYPASSRLS/);
      const health = await t.http().get('/api/health');
      expect(health.status).toBe(200);
      expect(health.body.data).toMatchObject({ database: 'up', login_bypasses_rls: true });
      const a = await createOrgFixture(t.owner, 'Super A', ['only A']);
      await createOrgFixture(t.owner, 'Super B', ['only B']);
      const seen = await t.http().get('/api/admin/campaigns/filter').set(a.as('member'));
      expect(seen.body.data.map((c: { name: string }) => c.name)).toEqual(['only A']);
    } finally {
      await t.close();
    }
    const normal = await startTestApp();
    try {
      expect((await normal.http().get('/api/health')).body.data).toMatchObject({ login_bypasses_rls: false });
    } finally {
      await normal.close();
    }
  });
});

describe('optional JWT rules', () => {
  let t: TestApp;
  let org: OrgFixture;
  beforeAll(async () => {
    t = await startTestApp({ JWT_ISSUER: 'https://auth.salesbrain.test', JWT_AUDIENCE: 'admin-portal', JWT_MAX_AGE: '1h' });
    org = await createOrgFixture(t.owner, 'JWT rules');
  });
  afterAll(() => t.close());

  const call = (tok: string) => t.http().get('/api/admin/campaigns/filter').set('Authorization', `Bearer ${tok}`);
  const claims = { sub: randomUUID(), role: 'owner' as const, org_id: '' };

  it('accept a token with the issuer, the audience and a short enough lifetime', async () => {
    claims.org_id = org.id;
    const res = await call(signToken(TEST_JWT_SECRET, claims, '30m', { issuer: 'https://auth.salesbrain.test', audience: 'admin-portal' }));
    expect(res.status).toBe(200);
  });

  it.each([
    ['no issuer', '30m', { audience: 'admin-portal' }, /issuer/],
    ['another issuer', '30m', { issuer: 'https://evil.test', audience: 'admin-portal' }, /issuer/],
    ['no audience', '30m', { issuer: 'https://auth.salesbrain.test' }, /audience/],
    ['another audience', '30m', { issuer: 'https://auth.salesbrain.test', audience: 'other' }, /audience/],
    ['a lifetime over JWT_MAX_AGE', '2h', { issuer: 'https://auth.salesbrain.test', audience: 'admin-portal' }, /lifetime/],
  ])('refuse a token with %s: 401', async (_, life, rules, message) => {
    claims.org_id = org.id;
    const res = await call(signToken(TEST_JWT_SECRET, claims, life, rules));
    expect(res.status).toBe(401);
    expectErrorBody(res.body, 401);
    expect(res.body.message).toMatch(message);
  });
});

describe('token lifetime by default', () => {
  let t: TestApp;
  let org: OrgFixture;
  beforeAll(async () => {
    t = await startTestApp();
    org = await createOrgFixture(t.owner, 'JWT default');
  });
  afterAll(() => t.close());

  it('JWT_MAX_AGE unset: a week is the longest lifetime accepted (a token for centuries is a 401)', async () => {
    const claims = { sub: org.users.owner, role: 'owner' as const, org_id: org.id };
    const call = (life: string) =>
      t
        .http()
        .get('/api/admin/campaigns/filter')
        .set('Authorization', `Bearer ${signToken(TEST_JWT_SECRET, claims, life)}`);
    expect((await call('7d')).status).toBe(200);
    for (const life of ['8d', '36500d']) {
      const res = await call(life);
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/lifetime/);
    }
  });
});

describe('HTTP server limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '500',
      HTTP_MAX_CONNECTIONS: '50',
    });
  });
  afterAll(() => t.close());

  it('come from the configuration, and a request whose body never finishes is cut off (408), not held for minutes', async () => {
    const server = t.app.getHttpServer() as import('http').Server;
    expect({
      request: server.requestTimeout,
      headers: server.headersTimeout,
      keepAlive: server.keepAliveTimeout,
      max: server.maxConnections,
    }).toEqual({ request: 1000, headers: 1000, keepAlive: 500, max: 50 });
    const port = await t.listen();
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket: Socket = connect(port, '127.0.0.1', () => {
        // With a token the route accepts (without one, the answer is a 401 at once and the body is never awaited).
        const auth = signToken(TEST_JWT_SECRET, { sub: randomUUID(), role: 'sb_admin' });
        socket.write(
          `POST /api/admin/organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${auth}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
        );
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    // Node checks the request timeout every 30 s: cut off within that, not after its 300 s default.
    expect(Date.now() - started).toBeLessThan(35_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 60_000);
});
