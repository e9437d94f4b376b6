import { Client } from 'pg';
import { RlsContext, SET_CONTEXT_SQL, contextValues } from '../src/database/rls-context';
import { runtimeUrlFor, testDbName } from './support/db-urls';
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
    // The search's trigram shares, as the daily partition job refreshes them: every search below
    // asks the index for its rare trigrams only (the table is small enough to be read whole).
    await asRuntime({ role: 'system', orgId: null, userId: null }, (c) => c.query(`SELECT webhook_log_refresh_search_trigrams(20000)`));
  });
  afterAll(() => t.close());

  async function asRuntime<T>(ctx: RlsContext, work: (c: Client) => Promise<T>): Promise<T> {
    const runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    try {
      await runtime.query('BEGIN');
      await runtime.query(SET_CONTEXT_SQL, contextValues(ctx));
      const result = await work(runtime);
      await runtime.query('COMMIT');
      return result;
    } finally {
      await runtime.end();
    }
  }

  it('pages through the newest matches first, by cursor, for a platform admin and the organization alike, and nothing of them for another organization', async () => {
    const expected = (
      await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'oldmatch%' ORDER BY created_at DESC, id DESC`)
    ).rows.map((r) => r.id);
    for (const who of [a.as('sb_admin'), a.as('admin'), a.as('member')]) {
      const first = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch', limit: 50 }).set(who).expect(200);
      expect(first.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(0, 50));
      expect(first.body.data.has_more).toBe(true);
      expect(first.body.data.total_capped).toBe(true);
      const second = await t
        .http()
        .get('/api/admin/webhooks/logs')
        .query({ search: 'oldmatch', limit: 50, cursor: first.body.data.next_cursor })
        .set(who)
        .expect(200);
      expect(second.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(50, 100));
      const offset = await t
        .http()
        .get('/api/admin/webhooks/logs')
        .query({ search: 'oldmatch', limit: 20, offset: 1170 })
        .set(who)
        .expect(200);
      expect(offset.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(1170, 1190));
    }
    const other = await t.http().get('/api/admin/webhooks/logs').query({ search: 'oldmatch' }).set(b.as('owner')).expect(200);
    expect(other.body.data.logs).toEqual([]);
    expect(other.body.data.total).toBe(0);
    // With another filter as well, the same logs, read on in index order.
    const filtered = await t
      .http()
      .get('/api/admin/webhooks/logs')
      .query({ search: 'oldmatch', status: 'processed', limit: 10 })
      .set(a.as('admin'))
      .expect(200);
    expect(filtered.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(0, 10));
  });

  it('a common search whose matches are the newest logs is answered from the window', async () => {
    const expected = (
      await t.owner.query(
        `SELECT id FROM webhook_log WHERE organization_id = $1 AND contact_email LIKE 'fresh%' ORDER BY created_at DESC, id DESC LIMIT 30`,
        [a.id],
      )
    ).rows.map((r) => r.id);
    const res = await t.http().get('/api/admin/webhooks/logs').query({ search: 'fresh', limit: 30 }).set(a.as('owner')).expect(200);
    expect(res.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected);
  });

  it('a search on its own with more matches than it reads at once pages the newest matches from the trigram index', async () => {
    const expected = (
      await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'ancient%' ORDER BY created_at DESC, id DESC`)
    ).rows.map((r) => r.id);
    expect(expected).toHaveLength(5200);
    for (const who of [a.as('sb_admin'), a.as('owner'), a.as('member')]) {
      const first = await t.http().get('/api/admin/webhooks/logs').query({ search: 'ancient', limit: 40 }).set(who).expect(200);
      expect(first.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(0, 40));
      expect(first.body.data).toMatchObject({ total: 1000, total_capped: true, has_more: true });
      const second = await t
        .http()
        .get('/api/admin/webhooks/logs')
        .query({ search: 'ancient', limit: 40, cursor: first.body.data.next_cursor })
        .set(who)
        .expect(200);
      expect(second.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(40, 80));
      const offset = await t
        .http()
        .get('/api/admin/webhooks/logs')
        .query({ search: 'ancient', limit: 25, offset: 5190 })
        .set(who)
        .expect(200);
      expect(offset.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(5190, 5200));
      expect(offset.body.data.has_more).toBe(false);
    }
    const other = await t.http().get('/api/admin/webhooks/logs').query({ search: 'ancient' }).set(b.as('admin')).expect(200);
    expect(other.body.data).toMatchObject({ logs: [], total: 0, total_capped: false, has_more: false });
  });

  it('the newest matches of a common search spread over months are read month by month, newest first, the default partition included', async () => {
    // 5,050 matches in A, none among the newest logs: 3,000 four months back, 2,000 five months
    // back (each its own partition), 50 nine months back (no partition: the default one).
    for (const back of [4, 5])
      await t.owner.query(
        `SELECT webhook_log_add_month((date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1))::date)`,
        [back],
      );
    const insert = (tag: string, n: number, back: number) =>
      t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, created_at)
         SELECT $1, 'instantly', 'email.sent', 'processed', md5('spread' || $2 || g), '{}', 'spreadmatch' || $2 || g || '@s.example',
                date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => $4) + interval '2 days' + g * interval '1 minute'
           FROM generate_series(1, $3::int) g`,
        [a.id, tag, n, back],
      );
    await insert('m4', 3000, 4);
    await insert('m5', 2000, 5);
    await insert('d', 50, 9);
    expect(
      (await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log_default WHERE contact_email LIKE 'spreadmatch%'`)).rows[0].n,
    ).toBe(50);
    const expected = (
      await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'spreadmatch%' ORDER BY created_at DESC, id DESC`)
    ).rows.map((r) => r.id);
    expect(expected).toHaveLength(5050);
    for (const who of [a.as('sb_admin'), a.as('admin')]) {
      const ids = async (query: Record<string, unknown>) => {
        const res = await t
          .http()
          .get('/api/admin/webhooks/logs')
          .query({ search: 'spreadmatch', ...query })
          .set(who)
          .expect(200);
        return { ids: res.body.data.logs.map((l: { id: string }) => l.id), data: res.body.data };
      };
      expect((await ids({ limit: 30 })).ids).toEqual(expected.slice(0, 30));
      // Across the month boundary, by offset and by cursor.
      expect((await ids({ limit: 20, offset: 2990 })).ids).toEqual(expected.slice(2990, 3010));
      const before = await ids({ limit: 50, offset: 2950 });
      expect((await ids({ limit: 30, cursor: before.data.next_cursor })).ids).toEqual(expected.slice(3000, 3030));
      // The oldest, in the default partition, last.
      const last = await ids({ limit: 20, offset: 5040 });
      expect(last.ids).toEqual(expected.slice(5040, 5050));
      expect(last.data.has_more).toBe(false);
    }
    expect(
      (await t.http().get('/api/admin/webhooks/logs').query({ search: 'spreadmatch' }).set(b.as('owner')).expect(200)).body.data,
    ).toMatchObject({ logs: [], total: 0 });
    await t.owner.query(`DELETE FROM webhook_log WHERE contact_email LIKE 'spreadmatch%'`);
  });

  it('counts the matches of a search on its own exactly up to the cap, and its last page ends', async () => {
    // oldmatch11, oldmatch110..119 and oldmatch1100..1199: 111 logs.
    const expected = (
      await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'oldmatch11%' ORDER BY created_at DESC, id DESC`)
    ).rows.map((r) => r.id);
    expect(expected).toHaveLength(111);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await t
        .http()
        .get('/api/admin/webhooks/logs')
        .query({ search: 'oldmatch11', limit: 50, ...(cursor ? { cursor } : {}) })
        .set(a.as('admin'))
        .expect(200);
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

  it('a search on its own reads months newest first and stops once the page and the capped count are known; older months and the default partition still page in order', async () => {
    // 1,100 matches this month, 30 in a month three months back (its own partition), 2 seven
    // months back (no partition: the default one), in A; 5 this month in B.
    await t.owner.query(`SELECT webhook_log_add_month((date_trunc('month', now() AT TIME ZONE 'UTC') - interval '3 months')::date)`);
    const insert = (org: string, tag: string, n: number, at: string) =>
      t.owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email, created_at)
         SELECT $1, 'instantly', 'email.sent', 'processed', md5($2 || g), '{}', 'splitmatch' || $2 || g || '@s.example', ${at}
           FROM generate_series(1, $3::int) g`,
        [org, tag, n],
      );
    await insert(a.id, 'now', 1100, `now() - g * interval '1 second'`);
    await insert(a.id, 'back', 30, `date_trunc('month', now()) - interval '3 months' + interval '10 days' + g * interval '1 minute'`);
    await insert(a.id, 'default', 2, `date_trunc('month', now()) - interval '7 months' + g * interval '1 hour'`);
    await insert(b.id, 'other', 5, `now() - g * interval '1 second'`);
    const stored = await t.owner.query(`SELECT count(*)::int AS n FROM webhook_log_default WHERE contact_email LIKE 'splitmatch%'`);
    expect(stored.rows[0].n).toBe(2);
    const expected = (
      await t.owner.query(
        `SELECT id FROM webhook_log WHERE organization_id = $1 AND contact_email LIKE 'splitmatch%' ORDER BY created_at DESC, id DESC`,
        [a.id],
      )
    ).rows.map((r) => r.id);
    expect(expected).toHaveLength(1132);

    // At the database, as the service's role: the first page stops after this month (the default
    // partition is always read first: 2 + 1,100), the deep one reads the month three months back too.
    const runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    try {
      await runtime.query('BEGIN');
      await runtime.query(SET_CONTEXT_SQL, contextValues({ role: 'admin', orgId: a.id, userId: null }));
      const first = await runtime.query(`SELECT ids, matches FROM webhook_log_search_page('%splitmatch%', 5000, 1000, NULL, NULL, 0, 51)`);
      expect(first.rows[0].matches).toBe(1102);
      expect(first.rows[0].ids).toEqual(expected.slice(0, 51));
      const deep = await runtime.query(
        `SELECT ids, matches FROM webhook_log_search_page('%splitmatch%', 5000, 1000, NULL, NULL, 1090, 30)`,
      );
      expect(deep.rows[0].matches).toBe(1132);
      expect(deep.rows[0].ids).toEqual(expected.slice(1090, 1120));
      await runtime.query('ROLLBACK');
    } finally {
      await runtime.end();
    }

    for (const who of [a.as('admin'), a.as('member')]) {
      const first = await t.http().get('/api/admin/webhooks/logs').query({ search: 'splitmatch', limit: 50 }).set(who).expect(200);
      expect(first.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(0, 50));
      expect(first.body.data).toMatchObject({ total: 1000, total_capped: true, has_more: true });
      const across = await t
        .http()
        .get('/api/admin/webhooks/logs')
        .query({ search: 'splitmatch', limit: 40, offset: 1080 })
        .set(who)
        .expect(200);
      expect(across.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected.slice(1080, 1120));
      // By cursor to the end: every match once, in order, the default partition's last.
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await t
          .http()
          .get('/api/admin/webhooks/logs')
          .query({ search: 'splitmatch', limit: 100, ...(cursor ? { cursor } : {}) })
          .set(who)
          .expect(200);
        seen.push(...res.body.data.logs.map((l: { id: string }) => l.id));
        cursor = res.body.data.next_cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(expected);
    }
    // The platform sees B's five too; B sees only its own.
    const platform = await t
      .http()
      .get('/api/admin/webhooks/logs')
      .query({ search: 'splitmatch', limit: 10 })
      .set(a.as('sb_admin'))
      .expect(200);
    const all = (
      await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email LIKE 'splitmatch%' ORDER BY created_at DESC, id DESC LIMIT 10`)
    ).rows.map((r) => r.id);
    expect(platform.body.data.logs.map((l: { id: string }) => l.id)).toEqual(all);
    const other = await t.http().get('/api/admin/webhooks/logs').query({ search: 'splitmatch' }).set(b.as('owner')).expect(200);
    expect(other.body.data).toMatchObject({ total: 5, total_capped: false, has_more: false });
    expect(other.body.data.logs.every((l: { contact_email: string }) => l.contact_email.startsWith('splitmatchother'))).toBe(true);
  });

  it("asks the trigram index for the longest run of the search's rare trigrams, and finds the same logs as the whole pattern", async () => {
    // Called inside webhook_log_search_page only; the runtime role may not call it.
    await expect(
      asRuntime({ role: 'sb_admin', orgId: null, userId: null }, (c) => c.query(`SELECT webhook_log_search_key('%ancient4242%')`)),
    ).rejects.toMatchObject({ code: '42501' });
    const key = async (pattern: string) => (await t.owner.query(`SELECT webhook_log_search_key($1) AS k`, [pattern])).rows[0].k;
    // "ancient" is in 5,200 of the ~12,700 logs (anc … ent: common); "nt4" (ancient4…, 1,111)
    // and t42, 424, 242 are each in under a tenth.
    expect(await key('%ancient4242%')).toBe('%nt4242%');
    // Every trigram common: the whole pattern.
    expect(await key('%example%')).toBe('%example%');
    // Every trigram rare (none of these letters in the logs): the whole pattern.
    expect(await key('%qqqwww%')).toBe('%qqqwww%');
    // Escaped characters stay out of the key; short patterns are left alone.
    expect(await key('%ancient4242\\_x%')).toBe('%nt4242%');
    expect(await key('%ab%')).toBe('%ab%');
    const expected = (
      await t.owner.query(`SELECT id FROM webhook_log WHERE contact_email ILIKE '%ancient4242%' ORDER BY created_at DESC, id DESC`)
    ).rows.map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    const res = await t.http().get('/api/admin/webhooks/logs').query({ search: 'Ancient4242', limit: 100 }).set(a.as('admin')).expect(200);
    expect(res.body.data.logs.map((l: { id: string }) => l.id)).toEqual(expected);
    expect(res.body.data.total).toBe(expected.length);
    // Only platform roles and jobs refresh the shares.
    await expect(
      asRuntime({ role: 'owner', orgId: a.id, userId: null }, (c) => c.query(`SELECT webhook_log_refresh_search_trigrams(100)`)),
    ).rejects.toMatchObject({ code: '42501' });
    // The runtime role cannot read the shares (they come from every organization's logs) except through the functions.
    await expect(
      asRuntime({ role: 'sb_admin', orgId: null, userId: null }, (c) => c.query(`SELECT * FROM webhook_log_search_trigram`)),
    ).rejects.toMatchObject({ code: '42501' });
  });
});
