import { randomUUID } from 'crypto';
import { signToken } from '../src/auth/jwt';
import { createOrgFixture, expectErrorBody, OrgFixture, startTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

/**
 * Tenants are neighbours: one organization's expensive reads (a search the trigram index cannot
 * serve, filtered stats, a bulk retry by filter) are bounded per organization (429 with
 * Retry-After beyond), and such a search is served within a bounded time or refused with a 400 that
 * says how to narrow it. Another organization's requests are served meanwhile.
 */
describe('expensive reads are bounded per organization', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;

  const seed = async (org: OrgFixture, n: number) =>
    t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, campaign_name, error_message)
       SELECT $1::uuid, 'instantly', 'email.sent', 'processed', md5($1::text || g), '{}', 'lead' || g || '@x.example', 'Campaign ' || (g % 7), 'note ' || g
         FROM generate_series(1, $2::int) g`,
      [org.id, n],
    );

  /**
   * Runs the requests while the log is locked, so the ones admitted stay inside the bound until it
   * is released: which are admitted and which refused does not depend on how fast the scans are.
   */
  const whileLogLocked = async <T>(send: () => Promise<T>): Promise<T> => {
    const holder = await t.owner.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE webhook_log IN ACCESS EXCLUSIVE MODE');
      const pending = send();
      await new Promise((r) => setTimeout(r, 400));
      await holder.query('ROLLBACK');
      return await pending;
    } finally {
      holder.release();
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ HEAVY_READS_PER_ORGANIZATION: '2', DATABASE_POOL_SIZE: '6' });
    a = await createOrgFixture(t.owner, 'Heavy A', ['A only']);
    b = await createOrgFixture(t.owner, 'Heavy B', ['B only']);
    await seed(a, 20000);
  });
  afterAll(() => t.close());

  it("a member's flood of searches the index cannot serve gets 429s with Retry-After; the other organization is served meanwhile", async () => {
    const [answers, served] = await whileLogLocked(async () => {
      const flood = Array.from({ length: 24 }, () =>
        t
          .http()
          .get('/api/admin/webhooks/logs')
          .query({ search: '_1' })
          .set(a.as('member'))
          .then((r) => r),
      );
      await new Promise((r) => setTimeout(r, 200));
      // Meanwhile the neighbour's requests are answered (the flood holds at most two connections).
      const neighbour = await Promise.all(
        Array.from({ length: 5 }, () =>
          t
            .http()
            .get('/api/admin/campaigns/filter')
            .set(b.as('member'))
            .then((r) => r),
        ),
      );
      return [await Promise.all(flood), neighbour] as const;
    });
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(2);
    expect(statuses.filter((s) => s === 429).length).toBe(22);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expectErrorBody(refused.body, 429);
    expect(refused.body.message).toMatch(/expensive reads/);
    expect(served.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(served[0].body.data.map((c: { name: string }) => c.name)).toEqual(['B only']);
    // An indexed search is not an expensive read: it is never refused for that.
    const indexed = await Promise.all(
      Array.from({ length: 6 }, () =>
        t
          .http()
          .get('/api/admin/webhooks/logs')
          .query({ search: 'lead12' })
          .set(a.as('member'))
          .then((r) => r),
      ),
    );
    expect(indexed.map((r) => r.status)).toEqual(indexed.map(() => 200));
  });

  it('filtered stats and bulk-retry dry runs are bounded alike (fewer requests than the pool has connections, all in the bound at once)', async () => {
    const stats = await whileLogLocked(() =>
      Promise.all(
        Array.from({ length: 5 }, () =>
          t
            .http()
            .get('/api/admin/webhooks/stats')
            .query({ search: '_2', date_from: '2000-01-01' })
            .set(a.as('admin'))
            .then((r) => r),
        ),
      ),
    );
    expect(stats.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429]);
    // One platform caller (a platform role's bound is per caller: its token's subject).
    const operator = { Authorization: `Bearer ${signToken(TEST_JWT_SECRET, { sub: randomUUID(), role: 'sb_admin' })}` };
    const dry = await whileLogLocked(() =>
      Promise.all(
        Array.from({ length: 5 }, () =>
          t
            .http()
            .post('/api/admin/webhooks/logs/bulk-retry')
            .set(operator)
            .send({ filter: { organization_id: a.id, search: '_3' }, dry_run: true })
            .then((r) => r),
        ),
      ),
    );
    expect(dry.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429]);
  });
});

describe('a search the index cannot serve has a bounded cost', () => {
  let t: TestApp;
  let a: OrgFixture;

  beforeAll(async () => {
    t = await startTestApp({ HEAVY_READ_TIMEOUT_MS: '1' });
    a = await createOrgFixture(t.owner, 'Bounded');
    await t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, error_message)
       SELECT $1::uuid, 'instantly', 'email.sent', 'processed', md5($1::text || g), '{}', 'lead' || g || '@x.example', repeat('x', 200) || g
         FROM generate_series(1, 50000) g`,
      [a.id],
    );
  });
  afterAll(() => t.close());

  it('beyond HEAVY_READ_TIMEOUT_MS it is a 400 that says how to narrow it; an indexed search is unaffected', async () => {
    const res = await t.http().get('/api/admin/webhooks/logs').query({ search: '_9', limit: 500 }).set(a.as('admin'));
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 400);
    expect(res.body.message).toMatch(/cannot use the search index.*narrow/);
    await t.http().get('/api/admin/webhooks/logs').query({ search: 'lead4242' }).set(a.as('admin')).expect(200);
    await t.http().get('/api/admin/webhooks/logs').set(a.as('admin')).expect(200);
  });
});

describe('processing is fair across organizations', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;

  beforeAll(async () => {
    // A small share, so that the events A sends within it while the test sends (no workers run) stay under a batch.
    t = await startTestApp({ WEBHOOK_FAIR_SHARE_PER_SECOND: '10' });
    a = await createOrgFixture(t.owner, 'Flooding A');
    b = await createOrgFixture(t.owner, 'Quiet B');
  });
  afterAll(() => t.close());

  it("one organization's backlog delays another's event by about a batch, whatever its size; alone, the backlog is processed in full", async () => {
    const { WebhookProcessorService } = await import('../src/webhooks/processing/webhook-processor.service');
    const processor = t.app.get(WebhookProcessorService);
    const credential = (await t.http().post(`/api/admin/organizations/${a.id}/webhook-credential`).set(a.as('owner')).send({}).expect(201))
      .body.data.secret as string;
    // A floods: 300 events with its credential, as fast as it can.
    const flood: string[] = [];
    for (let i = 0; i < 300; i += 50) {
      const sent = await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          t
            .http()
            .post('/api/webhooks/instantly')
            .set('x-webhook-secret', credential)
            .send({
              event_type: 'email_sent',
              workspace: a.workspaceId,
              lead_email: `flood-${i + j}@a.example`,
              timestamp: new Date().toISOString(),
            })
            .then((r) => r),
        ),
      );
      for (const r of sent) flood.push(r.body.data.id);
    }
    // Then B sends one event (the global secret, routed by its workspace).
    const quiet = (
      await t
        .http()
        .post('/api/webhooks/instantly')
        .set('x-webhook-secret', 'instantly-test-secret-0123456789')
        .send({ event_type: 'email_opened', workspace: b.workspaceId, lead_email: 'quiet@b.example', timestamp: new Date().toISOString() })
        .expect(200)
    ).body.data.id;
    // A's events past its share wait for their turn; a retry does not move one ahead of it.
    const waiting = (
      await t.owner.query(
        `SELECT id FROM webhook_log WHERE id = ANY($1::uuid[]) AND next_attempt_at > now() + interval '1 second' LIMIT 1`,
        [flood],
      )
    ).rows[0].id;
    await t.http().post(`/api/admin/webhooks/logs/${waiting}/retry`).set(a.as('sb_admin')).send({}).expect(409);

    const claimed = await processor.processBatch(50);
    expect(claimed).toBeLessThanOrEqual(50);
    expect((await t.owner.query(`SELECT status, organization_id FROM webhook_log WHERE id = $1`, [quiet])).rows[0]).toEqual({
      status: 'processed',
      organization_id: b.id,
    });
    // A's flood goes on being processed, in its turns, without waiting for them.
    expect(
      (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE id = ANY($1::uuid[]) AND status = 'processed'`, [flood]))
        .rows[0].n,
    ).toBeGreaterThan(0);
    await processor.drain();
    expect(
      (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log WHERE id = ANY($1::uuid[]) AND status = 'processed'`, [flood]))
        .rows[0].n,
    ).toBe(300);
  });
});
