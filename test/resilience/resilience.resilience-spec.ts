import { Pool } from 'pg';
import { adminUrlFor, testDbName } from '../support/db-urls';
import { instantlyPayload } from '../support/instantly';
import { createOrgFixture, OrgFixture, TEST_INSTANTLY_SECRET } from '../support/test-app';
import { Instance, restartPostgres, startInstance, stopInstance, waitFor } from './instances';

/**
 * Several instances on one database, one killed with SIGKILL, PostgreSQL restarted under load,
 * and a soak at a steady rate. Every load is bounded in count and time, on loopback only, and
 * every process started here is stopped at the end.
 */
const post = async (base: string, body: unknown, timeoutMs = 10000): Promise<{ status: number; id?: string }> => {
  try {
    const res = await fetch(`${base}/api/webhooks/instantly`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': TEST_INSTANTLY_SECRET },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await res.json().catch(() => ({}))) as { data?: { id?: string } };
    return { status: res.status, id: json.data?.id };
  } catch {
    return { status: 0 };
  }
};

describe('resilience', () => {
  let owner: Pool;
  let org: OrgFixture;
  const started: Instance[] = [];
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    owner = new Pool({ connectionString: adminUrlFor(testDbName()), max: 2 });
    org = await createOrgFixture(owner, 'Resilience');
  });
  afterAll(async () => {
    for (const i of started) await stopInstance(i);
    await owner.end().catch(() => undefined);
    console.log(`resilience figures: ${JSON.stringify(report, null, 2)}`);
  });

  it('two instances, one killed with SIGKILL mid-load: every answered event stored once and processed once', async () => {
    const a = await startInstance({ WEBHOOK_WORKERS: '2', WEBHOOK_LEASE_SECONDS: '3', WEBHOOK_BATCH_SIZE: '20' });
    const b = await startInstance({ WEBHOOK_WORKERS: '2', WEBHOOK_LEASE_SECONDS: '3', WEBHOOK_BATCH_SIZE: '20' });
    started.push(a, b);
    const total = Number(process.env.RESILIENCE_EVENTS ?? 3000);
    const answered = new Map<string, string>();
    let sent = 0;
    let errors = 0;
    let killed = false;
    const worker = async (w: number) => {
      for (let i = w; i < total; i += 20) {
        const email = `kill-${i}@lead.example`;
        const target = i % 2 === 0 ? a : b;
        if (!killed && sent >= total / 2) {
          killed = true;
          a.child.kill('SIGKILL');
        }
        sent++;
        const r = await post(
          target.url,
          instantlyPayload('email_sent', org.workspaceId, { lead_email: email, email_id: `kill-${i}` }),
          5000,
        );
        if (r.status === 200 && r.id) answered.set(email, r.id);
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
    expect(killed).toBe(true);
    const ids = [...answered.values()];
    const stored = (await owner.query(`SELECT count(*)::int n, count(DISTINCT id)::int d FROM webhook_log WHERE id = ANY($1)`, [ids]))
      .rows[0];
    expect(stored).toEqual({ n: ids.length, d: ids.length });
    await waitFor(
      async () =>
        (await owner.query(`SELECT count(*)::int n FROM webhook_log WHERE id = ANY($1) AND status <> 'processed'`, [ids])).rows[0].n === 0,
      120000,
      'the survivor to process every answered event',
    );
    const contacts = (
      await owner.query(`SELECT email, emails_sent FROM contact WHERE organization_id = $1 AND email = ANY($2)`, [
        org.id,
        [...answered.keys()],
      ])
    ).rows;
    expect(contacts).toHaveLength(answered.size);
    expect(contacts.filter((c) => c.emails_sent !== 1)).toEqual([]);
    report.kill = { sent, answered_2xx: answered.size, not_answered: errors, stored: stored.n, processed_exactly_once: contacts.length };
    await stopInstance(b);
  });

  it('PostgreSQL restarted under load: 503 while down, health says so, recovers by itself, nothing answered is lost', async () => {
    const c = await startInstance({ WEBHOOK_WORKERS: '1', DATABASE_POOL_SIZE: '4' });
    started.push(c);
    const answered: string[] = [];
    const statuses: Record<number, number> = {};
    let healthDown = false;
    let stop = false;
    let i = 0;
    const loadLoop = async () => {
      while (!stop) {
        const n = i++;
        const r = await post(
          c.url,
          instantlyPayload('email_opened', org.workspaceId, { lead_email: `restart-${n}@lead.example`, email_id: `restart-${n}` }),
          15000,
        );
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200 && r.id) answered.push(r.id);
        await new Promise((res) => setTimeout(res, 5));
      }
    };
    const healthLoop = async () => {
      while (!stop) {
        try {
          const h = await fetch(`${c.url}/api/health`, { signal: AbortSignal.timeout(5000) });
          if (h.status === 503) healthDown = true;
        } catch {
          /* the instance must answer; counted below */
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    const loops = [loadLoop(), loadLoop(), loadLoop(), healthLoop()];
    await new Promise((r) => setTimeout(r, 1500));
    await owner.end();
    await restartPostgres(3000);
    owner = new Pool({ connectionString: adminUrlFor(testDbName()), max: 2 });
    await new Promise((r) => setTimeout(r, 2000));
    stop = true;
    await Promise.all(loops);
    // Recovered by itself: health and receipt work again without a restart of the service.
    await waitFor(async () => (await fetch(`${c.url}/api/health`)).status === 200, 30000, 'health to recover');
    const after = await post(c.url, instantlyPayload('email_opened', org.workspaceId, { lead_email: 'after-restart@lead.example' }));
    expect(after.status).toBe(200);
    expect(c.child.exitCode).toBeNull();
    expect(statuses[500] ?? 0).toBe(0);
    expect(statuses[0] ?? 0).toBe(0);
    expect(healthDown || (statuses[503] ?? 0) > 0).toBe(true);
    const found = (await owner.query(`SELECT count(*)::int n FROM webhook_log WHERE id = ANY($1)`, [answered])).rows[0].n;
    expect(found).toBe(answered.length);
    report.postgres_restart = { statuses, health_reported_down: healthDown, answered: answered.length, stored: found };
    await stopInstance(c);
  });

  it('soak at a steady rate: memory and open connections stay flat', async () => {
    const seconds = Number(process.env.SOAK_SECONDS ?? 60);
    const rate = Number(process.env.SOAK_RATE ?? 200);
    const connections = async () =>
      (
        await owner.query(
          `SELECT count(*)::int n FROM pg_stat_activity WHERE datname = current_database() AND usename = 'salesbrain_test_login'`,
        )
      ).rows[0].n as number;
    const before = await connections();
    const s = await startInstance({ WEBHOOK_WORKERS: '2', DATABASE_POOL_SIZE: '6' });
    started.push(s);
    const samples: { t: number; rss: number; conns: number }[] = [];
    const t0 = Date.now();
    let n = 0;
    let failures = 0;
    const inflight = new Set<Promise<void>>();
    let nextSample = t0;
    while (Date.now() - t0 < seconds * 1000) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      while (n < due && inflight.size < 100) {
        const k = n++;
        const p = post(
          s.url,
          instantlyPayload('email_sent', org.workspaceId, { lead_email: `soak-${k % 5000}@lead.example`, email_id: `soak-${k}` }),
        ).then((r) => {
          if (r.status !== 200) failures++;
          inflight.delete(p);
        });
        inflight.add(p);
      }
      if (Date.now() >= nextSample) {
        samples.push({ t: Math.round((Date.now() - t0) / 1000), rss: Math.round(s.rssMb()), conns: await connections() });
        nextSample += 5000;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(inflight);
    // Compare the average of the first and the last third of the warm samples: single samples
    // swing with garbage collection.
    const warm = samples.filter((x) => x.t >= Math.min(15, seconds / 3));
    const third = Math.max(1, Math.floor(warm.length / 3));
    const avg = (xs: { rss: number }[]) => xs.reduce((a, x) => a + x.rss, 0) / xs.length;
    const rssGrowth = avg(warm.slice(-third)) - avg(warm.slice(0, third));
    const maxConns = Math.max(...samples.map((x) => x.conns)) - before;
    report.soak = {
      connections_before: before,
      rss_growth_mb: Math.round(rssGrowth),
      seconds,
      target_rate: rate,
      sent: n,
      failures,
      rss_mb_first_last: [warm[0].rss, warm[warm.length - 1].rss],
      max_connections: maxConns,
      samples,
    };
    expect(failures).toBe(0);
    expect(rssGrowth).toBeLessThan(80);
    expect(maxConns).toBeLessThanOrEqual(6);
    await stopInstance(s);
  });
});
