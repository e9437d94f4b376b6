import { randomUUID } from 'crypto';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source';
import Cursor from 'pg-cursor';
import { runInRlsTransaction } from '../src/database/rls-transactional.adapter';
import { assertRuntimeRoleIsSubjectToRls } from '../src/database/runtime-role.check';
import { adminUrlFor, runtimeUrlFor, testDbName } from './support/db-urls';
import { inRlsContext } from './support/rls-context';
import { createOrgFixture, OrgFixture } from './support/test-app';

/** Isolation proved at the database itself, through the same role and settings the app uses. */
describe('row-level security at the database', () => {
  let owner: Pool;
  let runtime: Client;
  let a: OrgFixture;
  let b: OrgFixture;

  const inContext = <T>(role: string, orgId: string | null, fn: () => Promise<T>): Promise<T> => inRlsContext(runtime, role, orgId, fn);

  beforeAll(async () => {
    owner = new Pool({ connectionString: adminUrlFor(testDbName()), max: 2 });
    runtime = new Client({ connectionString: runtimeUrlFor(testDbName()) });
    await runtime.connect();
    a = await createOrgFixture(owner, 'RLS A', ['Alpha one', 'Alpha two']);
    b = await createOrgFixture(owner, 'RLS B', ['Beta one']);
    await owner.query(`INSERT INTO contact (organization_id, email) VALUES ($1, 'x@a.test'), ($2, 'y@b.test')`, [a.id, b.id]);
  });

  afterAll(async () => {
    await runtime.end();
    await owner.end();
  });

  it('the connection the app uses is neither superuser nor BYPASSRLS', async () => {
    const r = await runtime.query(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`);
    expect(r.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it.each(['campaign', 'contact', '"user"', 'organization'])(
    "under organization A's context, SELECT * FROM %s with no WHERE returns only A's rows",
    async (table) => {
      const rows = await inContext('admin', a.id, async () => (await runtime.query(`SELECT * FROM ${table}`)).rows);
      expect(rows.length).toBeGreaterThan(0);
      const column = table === 'organization' ? 'id' : 'organization_id';
      expect(new Set(rows.map((r) => r[column]))).toEqual(new Set([a.id]));
    },
  );

  it("an insert into organization B under A's context is refused by the policy", async () => {
    await expect(
      inContext('owner', a.id, () => runtime.query(`INSERT INTO campaign (organization_id, name) VALUES ($1, 'sneaky')`, [b.id])),
    ).rejects.toThrow(/row-level security/);
    await expect(
      inContext('owner', a.id, () => runtime.query(`UPDATE campaign SET organization_id = $1 WHERE organization_id = $2`, [b.id, a.id])),
    ).rejects.toThrow(/row-level security/);
    const leaked = await owner.query(`SELECT count(*)::int AS n FROM campaign WHERE name = 'sneaky'`);
    expect(leaked.rows[0].n).toBe(0);
  });

  it("an update or delete aimed at B's rows under A's context touches nothing", async () => {
    const res = await inContext('owner', a.id, () =>
      runtime.query(`UPDATE campaign SET name = 'renamed' WHERE organization_id = $1`, [b.id]),
    );
    expect(res.rowCount).toBe(0);
    const del = await inContext('owner', a.id, () => runtime.query(`DELETE FROM contact WHERE organization_id = $1`, [b.id]));
    expect(del.rowCount).toBe(0);
  });

  it('member and viewer read their organization but cannot write', async () => {
    for (const role of ['member', 'viewer']) {
      const rows = await inContext(role, a.id, async () => (await runtime.query(`SELECT id FROM campaign`)).rows);
      expect(rows).toHaveLength(2);
      await expect(
        inContext(role, a.id, () => runtime.query(`INSERT INTO campaign (organization_id, name) VALUES ($1, 'nope')`, [a.id])),
      ).rejects.toThrow(/row-level security/);
    }
  });

  it('no context at all (a forgotten transaction) sees nothing, on a connection that once had one', async () => {
    await inContext('sb_admin', null, () => runtime.query('SELECT 1'));
    // Outside any transaction: the variables read '' now, and the policies must still hold.
    const rows = await runtime.query(`SELECT count(*)::int AS n FROM campaign`);
    expect(rows.rows[0].n).toBe(0);
    const orgs = await runtime.query(`SELECT count(*)::int AS n FROM organization`);
    expect(orgs.rows[0].n).toBe(0);
  });

  it('platform roles and system see every organization', async () => {
    for (const role of ['sb_admin', 'sb_operator', 'system']) {
      const ids = await inContext(role, null, async () => (await runtime.query(`SELECT DISTINCT organization_id FROM campaign`)).rows);
      expect(ids.map((r) => r.organization_id)).toEqual(expect.arrayContaining([a.id, b.id]));
    }
  });

  it('a forged org id in the context of an unknown organization sees nothing', async () => {
    const n = await inContext(
      'owner',
      randomUUID(),
      async () => (await runtime.query(`SELECT count(*)::int AS n FROM campaign`)).rows[0].n,
    );
    expect(n).toBe(0);
  });

  it('every table of the schema has row-level security enabled and forced, and at least one policy', async () => {
    const r = await owner.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, (SELECT count(*)::int FROM pg_policies p WHERE p.tablename = c.relname) AS policies
         FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND c.relname <> 'typeorm_migrations'`,
    );
    expect(r.rows.map((x) => x.relname)).toEqual(
      expect.arrayContaining(['webhook_log', 'webhook_log_retry', 'onboarding_link', 'webhook_log_dedup']),
    );
    expect(r.rows.filter((x) => !x.relrowsecurity || !x.relforcerowsecurity || x.policies === 0)).toEqual([]);
  });

  it("the log's partitions are reached only through webhook_log and its policies: the runtime role may not open one directly", async () => {
    const parts = await owner.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'webhook_log'::regclass`,
    );
    expect(parts.rows.map((p) => p.relname)).toEqual(expect.arrayContaining(['webhook_log_default']));
    expect(parts.rows.length).toBeGreaterThanOrEqual(4);
    for (const { relname } of parts.rows) {
      await expect(inContext('sb_admin', null, () => runtime.query(`SELECT 1 FROM ${relname} LIMIT 1`))).rejects.toMatchObject({
        code: '42501',
      });
      const grants = await owner.query(
        `SELECT has_table_privilege('salesbrain_app', $1::regclass, 'SELECT, INSERT, UPDATE, DELETE') AS ok`,
        [relname],
      );
      expect(grants.rows[0].ok).toBe(false);
    }
  });

  it("the retry queue: an organization's readers see only their own queued logs and cannot queue; workers (system) see all", async () => {
    const queue = async (org: OrgFixture) => {
      const log = await owner.query(
        `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload) VALUES ($1, 'instantly', 'email.sent', 'failed', $2, '{}') RETURNING id`,
        [org.id, randomUUID()],
      );
      await owner.query(`INSERT INTO webhook_log_retry (log_id, organization_id) VALUES ($1, $2)`, [log.rows[0].id, org.id]);
      return log.rows[0].id as string;
    };
    const [qa, qb] = [await queue(a), await queue(b)];
    const seen = (role: string, org: string | null) =>
      inContext(role, org, async () =>
        (await runtime.query(`SELECT log_id FROM webhook_log_retry WHERE log_id = ANY($1)`, [[qa, qb]])).rows.map((r) => r.log_id),
      );
    expect(await seen('admin', a.id)).toEqual([qa]);
    expect(await seen('viewer', a.id)).toEqual([]);
    expect((await seen('system', null)).sort()).toEqual([qa, qb].sort());
    await expect(
      inContext('owner', a.id, () =>
        runtime.query(`INSERT INTO webhook_log_retry (log_id, organization_id) VALUES ($1, $2)`, [randomUUID(), a.id]),
      ),
    ).rejects.toThrow(/row-level security/);
    const deleted = await inContext(
      'admin',
      a.id,
      async () => (await runtime.query(`DELETE FROM webhook_log_retry WHERE log_id = ANY($1)`, [[qa, qb]])).rowCount,
    );
    expect(deleted).toBe(0);
  });

  it('every policy reads the context once per statement (an InitPlan), not once per row', async () => {
    const policies = await owner.query(`SELECT tablename, policyname, concat_ws(' ', qual, with_check) AS expr FROM pg_policies`);
    expect(policies.rowCount).toBeGreaterThan(30);
    // app_role(), app_org_id(), ... anywhere but directly inside "( SELECT app_x() AS app_x)".
    const perRow = policies.rows.filter((p) => /app_\w+\(\)/.test(p.expr.replace(/\( SELECT (app_\w+)\(\) AS \1\)/g, '')));
    expect(perRow).toEqual([]);
    // And the plan shows it: the policy compares each row with a parameter computed once.
    const plan = await inContext('admin', a.id, async () =>
      (await runtime.query(`EXPLAIN (COSTS OFF) SELECT * FROM campaign WHERE name LIKE 'Alpha%'`)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n'),
    );
    expect(plan).toMatch(/InitPlan/);
    expect(plan).not.toMatch(/current_setting/);
  });

  it("the search functions (SECURITY DEFINER) return only ids of logs the caller's policies allow", async () => {
    const logs = await owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, raw_event_type, status, dedup_key, payload, contact_email)
       VALUES ($1, 'instantly', 'email.sent', 'email.sent', 'processed', 'rls-search-a', '{}', 'needle@a.test'),
              ($2, 'instantly', 'email.sent', 'email.sent', 'processed', 'rls-search-b', '{}', 'needle@b.test'),
              (NULL, 'instantly', 'email.sent', 'email.sent', 'failed', 'rls-search-none', '{}', 'needle@none.test')
       RETURNING id, organization_id`,
      [a.id, b.id],
    );
    const idOf = (org: string | null) => logs.rows.find((r) => r.organization_id === org).id;
    // The matches (a search with other filters) and the newest matches (a common search): the roles of the SELECT policies.
    const searches = [
      `SELECT unnest(ids) AS id FROM webhook_log_search_matches('%needle%', 10)`,
      `SELECT id FROM webhook_log_search_newest('%needle%', 10, NULL, NULL) AS id`,
    ];
    for (const sql of searches) {
      const search = (role: string, org: string | null) =>
        inContext(role, org, async () => (await runtime.query(sql)).rows.map((r) => r.id as string).sort());
      for (const role of ['owner', 'admin', 'member']) expect(await search(role, a.id)).toEqual([idOf(a.id)]);
      expect(await search('viewer', a.id)).toEqual([]);
      expect(await search('link_holder', a.id)).toEqual([]);
      expect(await search('', null)).toEqual([]);
      expect(await search('admin', randomUUID())).toEqual([]);
      expect(await search('sb_operator', null)).toEqual([idOf(a.id), idOf(b.id), idOf(null)].sort());
    }
    // Only the runtime role may call them, and nobody the partition read they share.
    for (const fn of ['webhook_log_search_matches', 'webhook_log_search_newest', 'webhook_log_search_page']) {
      const grants = await owner.query(
        `SELECT grantee FROM information_schema.routine_privileges WHERE routine_name = $1 AND privilege_type = 'EXECUTE'`,
        [fn],
      );
      expect(grants.rows.map((r) => r.grantee)).not.toContain('PUBLIC');
      expect(grants.rows.map((r) => r.grantee)).toContain('salesbrain_app');
    }
    const read = await owner.query(
      `SELECT grantee FROM information_schema.routine_privileges WHERE routine_name = 'webhook_log_search_read' AND privilege_type = 'EXECUTE'`,
    );
    expect(read.rows.map((r) => r.grantee)).not.toEqual(expect.arrayContaining(['PUBLIC']));
    expect(read.rows.map((r) => r.grantee)).not.toEqual(expect.arrayContaining(['salesbrain_app']));
    await owner.query(`DELETE FROM webhook_log WHERE dedup_key LIKE 'rls-search-%'`);
  });

  describe('a transaction that begins with its first statement', () => {
    let ds: DataSource;
    const seen = `SELECT current_user AS role, current_setting('app.user_role') AS app_role, current_setting('app.current_org_id') AS org,
                         (SELECT count(*)::int FROM campaign) AS campaigns, now() AS at`;
    beforeAll(async () => {
      // One connection: every transaction below reuses the one before it.
      ds = new DataSource(buildDataSourceOptions({ url: runtimeUrlFor(testDbName()), poolSize: 1 }));
      await ds.initialize();
    });
    afterAll(() => ds.destroy());
    const ctxA = { role: 'admin' as const, orgId: '', userId: null };

    it('runs that statement under the context, parameters and types as usual, and commits', async () => {
      const r = await runInRlsTransaction(
        ds,
        { ...ctxA, orgId: a.id },
        async (c) => (await c.query(`${seen} WHERE $1::int = 1`, [1])).rows[0],
      );
      expect(r).toMatchObject({ role: 'salesbrain_app', app_role: 'admin', org: a.id, campaigns: 2, at: expect.any(Date) });
      const name = `Pipelined ${randomUUID()}`;
      await runInRlsTransaction(ds, { ...ctxA, orgId: a.id }, (c) =>
        c.query(`INSERT INTO campaign (organization_id, name) VALUES ($1, $2)`, [a.id, name]),
      );
      expect((await owner.query(`SELECT count(*)::int n FROM campaign WHERE name = $1`, [name])).rows[0].n).toBe(1);
      await owner.query(`DELETE FROM campaign WHERE name = $1`, [name]);
    });

    it('a first statement the policy refuses fails, rolls back, and leaves the connection clean for the next context', async () => {
      await expect(
        runInRlsTransaction(ds, { ...ctxA, orgId: a.id }, (c) =>
          c.query(`INSERT INTO campaign (organization_id, name) VALUES ($1, 'x')`, [b.id]),
        ),
      ).rejects.toThrow(/row-level security/);
      const r = await runInRlsTransaction(ds, { role: 'member', orgId: b.id, userId: null }, async (c) => (await c.query(seen)).rows[0]);
      expect(r).toMatchObject({ role: 'salesbrain_app', app_role: 'member', org: b.id, campaigns: 1 });
      // Nothing leaks out of a transaction: outside one, the connection has no context.
      const client = await (ds.driver as unknown as { master: Pool }).master.connect();
      try {
        const outside = (await client.query(`SELECT current_user AS role, current_setting('app.user_role', true) AS app_role`)).rows[0];
        expect(outside.role).not.toBe('salesbrain_app');
        expect(outside.app_role).toBe('');
        expect((await client.query(`SELECT count(*)::int n FROM campaign`)).rows[0].n).toBe(0);
      } finally {
        client.release();
      }
    });

    it('a failure after the first statement rolls the whole transaction back', async () => {
      const name = `Rolled back ${randomUUID()}`;
      await expect(
        runInRlsTransaction(ds, { ...ctxA, orgId: a.id }, async (c) => {
          await c.query(`INSERT INTO campaign (organization_id, name) VALUES ($1, $2)`, [a.id, name]);
          await c.query(`SELECT 1/0`);
        }),
      ).rejects.toThrow(/division by zero/);
      expect((await owner.query(`SELECT count(*)::int n FROM campaign WHERE name = $1`, [name])).rows[0].n).toBe(0);
    });

    it('a cursor as the first statement still runs inside the context', async () => {
      const rows = await runInRlsTransaction(ds, { ...ctxA, orgId: a.id }, async (c) => {
        const cursor = await c.cursor(new Cursor(`SELECT organization_id FROM campaign`));
        const got = await cursor.read(100);
        await cursor.close();
        return got;
      });
      expect(new Set(rows.map((r: { organization_id: string }) => r.organization_id))).toEqual(new Set([a.id]));
    });
  });

  describe('single-statement transactions (SingleReadStatement routes, the ingest batch)', () => {
    let ds: DataSource;
    let pool: Pool;
    const seen = `SELECT current_user AS role, current_setting('app.user_role') AS app_role, current_setting('app.current_org_id') AS org,
                         current_setting('transaction_read_only') AS read_only, (SELECT count(*)::int FROM campaign) AS campaigns`;
    const ctx = (orgId: string) => ({ role: 'admin' as const, orgId, userId: null });
    beforeAll(async () => {
      // One connection: a transaction that kept it would stall the next.
      ds = new DataSource(buildDataSourceOptions({ url: runtimeUrlFor(testDbName()), poolSize: 1 }));
      await ds.initialize();
      pool = (ds.driver as unknown as { master: Pool }).master;
    });
    afterAll(() => ds.destroy());

    const outsideAnyTransaction = async () => {
      const client = await pool.connect();
      try {
        return (
          await client.query(
            `SELECT current_user AS role, current_setting('app.user_role', true) AS app_role, txid_current_if_assigned() AS tx`,
          )
        ).rows[0];
      } finally {
        client.release();
      }
    };

    it('runs its statement under the context, read-only, and gives the connection back before the caller resumes', async () => {
      const r = await runInRlsTransaction(
        ds,
        ctx(a.id),
        async (c) => {
          const row = (await c.query(`${seen} WHERE $1::int = 1`, [1])).rows[0];
          // The pool's only connection is free again already: another transaction can run.
          const other = await runInRlsTransaction(ds, ctx(b.id), async (c2) => (await c2.query(seen)).rows[0], 'read');
          return { row, other };
        },
        'read',
      );
      expect(r.row).toEqual({ role: 'salesbrain_app', app_role: 'admin', org: a.id, read_only: 'on', campaigns: 2 });
      expect(r.other).toMatchObject({ org: b.id, campaigns: 1 });
      expect(await outsideAnyTransaction()).toMatchObject({ app_role: '', tx: null });
      expect((await outsideAnyTransaction()).role).not.toBe('salesbrain_app');
    });

    it('a write is refused by the read-only transaction and nothing is written', async () => {
      const name = `Single read ${randomUUID()}`;
      await expect(
        runInRlsTransaction(
          ds,
          ctx(a.id),
          (c) => c.query(`INSERT INTO campaign (organization_id, name) VALUES ($1, $2)`, [a.id, name]),
          'read',
        ),
      ).rejects.toThrow(/read-only transaction/);
      expect((await owner.query(`SELECT count(*)::int n FROM campaign WHERE name = $1`, [name])).rows[0].n).toBe(0);
    });

    it('a second statement and a cursor are refused: the route was marked wrongly', async () => {
      await expect(
        runInRlsTransaction(
          ds,
          ctx(a.id),
          async (c) => {
            await c.query('SELECT 1');
            await c.query('SELECT 2');
          },
          'read',
        ),
      ).rejects.toThrow(/second statement/);
      // Both at once (Promise.all): the first still settles before the connection is reused.
      await expect(runInRlsTransaction(ds, ctx(a.id), (c) => Promise.all([c.query(seen), c.query(seen)]), 'read')).rejects.toThrow(
        /second statement/,
      );
      await expect(runInRlsTransaction(ds, ctx(a.id), (c) => c.cursor(new Cursor('SELECT 1')), 'read')).rejects.toThrow(/cursor/);
      expect(await outsideAnyTransaction()).toMatchObject({ app_role: '', tx: null });
    });

    it('a failing statement rolls back with its context and leaves the connection idle and clean', async () => {
      await expect(runInRlsTransaction(ds, ctx(a.id), (c) => c.query('SELECT 1/0'), 'read')).rejects.toThrow(/division by zero/);
      expect(await outsideAnyTransaction()).toMatchObject({ app_role: '', tx: null });
      const r = await runInRlsTransaction(
        ds,
        { role: 'member', orgId: b.id, userId: null },
        async (c) => (await c.query(seen)).rows[0],
        'read',
      );
      expect(r).toMatchObject({ app_role: 'member', org: b.id, campaigns: 1 });
    });

    it('a single-write transaction writes under the context, policies included, and commits at its Sync', async () => {
      const name = `Single write ${randomUUID()}`;
      const insert = `INSERT INTO campaign (organization_id, name) VALUES ($1, $2)
                      RETURNING current_setting('transaction_read_only') AS read_only, current_setting('app.current_org_id') AS org`;
      const r = await runInRlsTransaction(
        ds,
        ctx(a.id),
        async (c) => {
          const row = (await c.query(insert, [a.id, name])).rows[0];
          // Committed and the connection free before the caller resumes: another transaction sees the row.
          const seenByOther = await runInRlsTransaction(
            ds,
            ctx(a.id),
            async (c2) => (await c2.query(`SELECT count(*)::int n FROM campaign WHERE name = $1`, [name])).rows[0].n,
            'read',
          );
          return { row, seenByOther };
        },
        'write',
      );
      expect(r).toEqual({ row: { read_only: 'off', org: a.id }, seenByOther: 1 });
      expect(await outsideAnyTransaction()).toMatchObject({ app_role: '', tx: null });
      // Another organization's row: refused by the policy, nothing written.
      const foreign = `Single write foreign ${randomUUID()}`;
      await expect(runInRlsTransaction(ds, ctx(a.id), (c) => c.query(insert, [b.id, foreign]), 'write')).rejects.toThrow(
        /row-level security/,
      );
      // A statement that fails after writing rolls back with its context.
      const failing = `Single write failing ${randomUUID()}`;
      await expect(
        runInRlsTransaction(
          ds,
          ctx(a.id),
          (c) =>
            c.query(
              `WITH w AS (INSERT INTO campaign (organization_id, name) VALUES ($1, $2) RETURNING 1) SELECT 1 / (SELECT count(*)::int - 1 FROM w)`,
              [a.id, failing],
            ),
          'write',
        ),
      ).rejects.toThrow(/division by zero/);
      await expect(
        runInRlsTransaction(
          ds,
          ctx(a.id),
          async (c) => {
            await c.query('SELECT 1');
            await c.query('SELECT 2');
          },
          'write',
        ),
      ).rejects.toThrow(/second statement/);
      const written = await owner.query(`SELECT name FROM campaign WHERE name = ANY($1)`, [[name, foreign, failing]]);
      expect(written.rows).toEqual([{ name }]);
      expect(await outsideAnyTransaction()).toMatchObject({ app_role: '', tx: null });
      await owner.query(`DELETE FROM campaign WHERE name = $1`, [name]);
    });

    it('the context statement is prepared once per connection, or parsed each time with DATABASE_PREPARED_CONTEXT=false', async () => {
      const statements = `SELECT coalesce(array_agg(name ORDER BY name), '{}') AS names FROM pg_prepared_statements`;
      for (const single of ['read', undefined, 'read'] as const) {
        await runInRlsTransaction(ds, ctx(a.id), (c) => c.query('SELECT 1'), single);
      }
      const named = await runInRlsTransaction(ds, ctx(a.id), async (c) => (await c.query(statements)).rows[0].names, 'read');
      expect(named).toEqual(['sb_rls_context', 'sb_rls_context_read_only']);

      const unprepared = new DataSource(buildDataSourceOptions({ url: runtimeUrlFor(testDbName()), poolSize: 1, preparedContext: false }));
      await unprepared.initialize();
      try {
        for (const single of ['read', undefined, 'read'] as const) {
          const r = await runInRlsTransaction(
            unprepared,
            ctx(a.id),
            async (c) => (await c.query(`${seen}, (${statements}) AS names`)).rows[0],
            single,
          );
          expect(r).toMatchObject({ app_role: 'admin', org: a.id, campaigns: 2, names: [] });
        }
      } finally {
        await unprepared.destroy();
      }
    });

    it('a named statement is prepared once per connection in every kind of transaction, survives a failed run, and is sent unnamed when prepared statements are off', async () => {
      const statements = `SELECT coalesce(array_agg(name ORDER BY name), '{}') AS names FROM pg_prepared_statements WHERE name LIKE 'sb_test_%'`;
      const named = { name: 'sb_test_named', text: `SELECT 10 / $1::int AS x, current_setting('app.current_org_id') AS org` };
      const run = (source: DataSource, divisor: number, single?: 'read' | 'write') =>
        runInRlsTransaction(
          source,
          ctx(a.id),
          async (c) => {
            const first = (await c.query(named, [divisor])).rows[0];
            // In an open transaction, the second statement goes on the same connection after the first.
            return single ? first : { ...first, again: (await c.query(named, [divisor])).rows[0].x };
          },
          single,
        );
      for (const source of [
        ds,
        new DataSource(buildDataSourceOptions({ url: runtimeUrlFor(testDbName()), poolSize: 1, preparedContext: false })),
      ]) {
        if (!source.isInitialized) await source.initialize();
        try {
          await expect(run(source, 0, 'write')).rejects.toThrow(/division by zero/);
          expect(await run(source, 2, 'write')).toEqual({ x: 5, org: a.id });
          expect(await run(source, 5, 'read')).toEqual({ x: 2, org: a.id });
          await expect(run(source, 0)).rejects.toThrow(/division by zero/);
          expect(await run(source, 1)).toEqual({ x: 10, org: a.id, again: 10 });
          const names = await runInRlsTransaction(source, ctx(a.id), async (c) => (await c.query(statements)).rows[0].names, 'read');
          expect(names).toEqual(source === ds ? ['sb_test_named'] : []);
        } finally {
          if (source !== ds) await source.destroy();
        }
      }
    });

    it('a context statement that failed halfway is closed and parsed again on its connection, never reused half-known', async () => {
      // A login role that may not SET ROLE to the runtime role: the context statement is parsed
      // (prepared under its name) and then fails.
      await owner.query(`DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'salesbrain_test_outsider') THEN
            CREATE ROLE salesbrain_test_outsider LOGIN NOSUPERUSER NOBYPASSRLS;
          END IF; END $$`);
      const url = new URL(runtimeUrlFor(testDbName()));
      url.username = 'salesbrain_test_outsider';
      const outsider = new DataSource(buildDataSourceOptions({ url: url.toString(), poolSize: 1 }));
      await outsider.initialize();
      try {
        for (const single of ['read', 'read', undefined, undefined] as const) {
          // Each time the same refusal; on a reused connection the second Parse would fail with
          // "prepared statement ... already exists" instead.
          await expect(runInRlsTransaction(outsider, ctx(a.id), (c) => c.query('SELECT 1'), single)).rejects.toThrow(
            /permission denied to set role/,
          );
        }
      } finally {
        await outsider.destroy();
      }
    });
  });

  it('the service refuses to start when its runtime role bypasses RLS', async () => {
    const ds = new DataSource(buildDataSourceOptions({ url: runtimeUrlFor(testDbName()), poolSize: 1 }));
    await ds.initialize();
    try {
      await expect(assertRuntimeRoleIsSubjectToRls(ds)).resolves.toEqual({ login: expect.any(String), loginBypassesRls: false });
      await owner.query(`ALTER ROLE salesbrain_app BYPASSRLS`);
      await expect(assertRuntimeRoleIsSubjectToRls(ds)).rejects.toThrow(/refusing to start.*bypasses row-level security/);
    } finally {
      await owner.query(`ALTER ROLE salesbrain_app NOBYPASSRLS`);
      await ds.destroy();
    }
  });
});
