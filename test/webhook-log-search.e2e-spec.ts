import { createOrgFixture, OrgFixture, startTestApp, TestApp } from './support/test-app';

// Its own database: a few thousand logs, which other suites' counts must not see.
describe('a common search whose matches are all older than the newest logs', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  beforeAll(async () => {
    t = await startTestApp();
    a = await createOrgFixture(t.owner, 'Search A');
    b = await createOrgFixture(t.owner, 'Search B');
    // 1,200 matches (more than the trigram candidates cap) ten days old, in A; 5,100 newer logs
    // that do not match (more than the window the list reads first), in A and B.
    await t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, created_at)
       SELECT $1, 'instantly', 'email.sent', 'processed', md5('old' || g), '{}', 'oldmatch' || g || '@x.example', now() - interval '10 days' - g * interval '1 minute'
         FROM generate_series(1, 1200) g`,
      [a.id],
    );
    // 5,200 matches older still (more than a search on its own reads at once: SEARCH_EXACT), in A.
    await t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, created_at)
       SELECT $1, 'instantly', 'email.sent', 'failed', md5('ancient' || g), '{}', 'ancient' || g || '@z.example', now() - interval '20 days' - g * interval '1 minute'
         FROM generate_series(1, 5200) g`,
      [a.id],
    );
    await t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, created_at)
       SELECT CASE WHEN g % 2 = 0 THEN $1::uuid ELSE $2::uuid END, 'instantly', 'email.sent', 'processed', md5('new' || g), '{}', 'fresh' || g || '@y.example', now() - g * interval '1 second'
         FROM generate_series(1, 5100) g`,
      [a.id, b.id],
    );
  });
  afterAll(() => t.close());

  it('pages through the newest matches first, by cursor, for a platform admin and the organization alike, and nothing of them for another organization', async () => {
    const expected = (await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'oldmatch%' ORDER BY created_at DESC, id DESC`)).rows.map((r) => r.id);
    for (const who of [a.as('sb_admin'), a.as('admin'), a.as('member')]) {
      const first = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch', limit: 50 }).set(who).expect(200);
      expect(first.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(0, 50));
      expect(first.body.data.has_more).toBe(true);
      expect(first.body.data.total_capped).toBe(true);
      const second = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch', limit: 50, cursor: first.body.data.next_cursor }).set(who).expect(200);
      expect(second.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(50, 100));
      const offset = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch', limit: 20, offset: 1170 }).set(who).expect(200);
      expect(offset.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(1170, 1190));
    }
    const other = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch' }).set(b.as('owner')).expect(200);
    expect(other.body.data.logs).toEqual([]);
    expect(other.body.data.total).toBe(0);
    // With another filter as well, the same logs, read on in index order.
    const filtered = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch', status: 'processed', limit: 10 }).set(a.as('admin')).expect(200);
    expect(filtered.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(0, 10));
  });

  it('a common search whose matches are the newest logs is answered from the window', async () => {
    const expected = (await t.owner.query(`SELECT id FROM webhook_log WHERE organization_id = $1 AND contact_email LIKE 'fresh%' ORDER BY created_at DESC, id DESC LIMIT 30`, [a.id])).rows.map((r) => r.id);
    const res = await t.http().get('/api/admin/webhooks/logs').query({ search: 'fresh', limit: 30 }).set(a.as('owner')).expect(200);
    expect(res.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected);
  });

  it('a search on its own with more matches than it reads at once pages the newest matches from the trigram index', async () => {
    const expected = (await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'ancient%' ORDER BY created_at DESC, id DESC`)).rows.map((r) => r.id);
    expect(expected).toHaveLength(5200);
    for (const who of [a.as('sb_admin'), a.as('owner'), a.as('member')]) {
      const first = await t.http().get('/api/admin/webhooks/logs').query({ search: 'ancient', limit: 40 }).set(who).expect(200);
      expect(first.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(0, 40));
      expect(first.body.data).toMatchObject({ total: 1000, total_capped: true, has_more: true });
      const second = await t.http().get('/api/admin/webhooks/logs').query({ search: 'ancient', limit: 40, cursor: first.body.data.next_cursor }).set(who).expect(200);
      expect(second.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(40, 80));
      const offset = await t.http().get('/api/admin/webhooks/logs').query({ search: 'ancient', limit: 25, offset: 5190 }).set(who).expect(200);
      expect(offset.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(5190, 5200));
      expect(offset.body.data.has_more).toBe(false);
    }
    const other = await t.http().get('/api/admin/webhooks/logs').query({ search: 'ancient' }).set(b.as('admin')).expect(200);
    expect(other.body.data).toMatchObject({ logs: [], total: 0, total_capped: false, has_more: false });
  });

  it('counts the matches of a search on its own exactly up to the cap, and its last page ends', async () => {
    // oldmatch11, oldmatch110..119 and oldmatch1100..1199: 111 logs.
    const expected = (await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'oldmatch11%' ORDER BY created_at DESC, id DESC`)).rows.map((r) => r.id);
    expect(expected).toHaveLength(111);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch11', limit: 50, ...(cursor ? { cursor } : {}) }).set(a.as('admin')).expect(200);
      expect(res.body.data).toMatchObject({ total: 111, total_capped: false });
      seen.push(...res.body.data.logs.map((l: { id: string }) => l.id));
      cursor = res.body.data.next_cursor ?? undefined;
      expect(Boolean(cursor)).toBe(res.body.data.has_more);
    } while (cursor);
    expect(seen).toEqual(expected);
    // The same search with a wildcard in it matches literally: nothing.
    const literal = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch1_' }).set(a.as('admin')).expect(200);
    expect(literal.body.data).toMatchObject({ logs: [], total: 0 });
    const none = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch11' }).set(b.as('owner')).expect(200);
    expect(none.body.data).toMatchObject({ logs: [], total: 0 });
  });
});
