import { ChildProcess, spawn } from 'child_process';
import { randomInt, randomUUID } from 'crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { instantlyPayload } from './support/instantly';
import { hasPrometheus } from './support/tools';
import { createOrgFixture, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-test-token-0123456789';

/** The value of one sample in Prometheus text format (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([^{\s]+)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

/** Issue 15: what an operator scrapes. */
describe('GET /metrics', () => {
  let t: TestApp;
  let org: OrgFixture;
  const scrape = async () => {
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.text;
  };

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
    org = await createOrgFixture(t.owner, 'Metrics');
  });
  afterAll(() => t.close());

  it('is refused without the token (401), with a wrong one, and absent without METRICS_TOKEN (404)', async () => {
    expect((await t.http().get('/metrics')).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', 'Bearer wrong-token-wrong-token')).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', `Basic ${METRICS_TOKEN}`)).status).toBe(401);
    expect((await t.http().get('/api/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(404);
    const off = await startTestApp();
    try {
      expect((await off.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('counters move by exactly what was posted and processed; the lag gauge shows a due pending log', async () => {
    const before = await scrape();
    const post = (body: object, secret = TEST_INSTANTLY_SECRET) =>
      t.http().post('/api/webhooks/instantly').set('x-webhook-secret', secret).send(body);
    const events = [1, 2, 3].map((i) =>
      instantlyPayload('email_opened', org.workspaceId, { lead_email: `m${i}-${randomUUID().slice(0, 6)}@x.example` }),
    );
    for (const e of events) expect((await post(e)).status).toBe(200);
    expect((await post(events[0])).body.data.duplicate).toBe(true);
    expect((await post(events[1], 'wrong-secret-wrong-secret')).status).toBe(401);
    expect((await t.http().post('/api/webhooks/nope').set('x-webhook-secret', 'x'.repeat(20)).send({ event_type: 'x' })).status).toBe(404);
    await t.app.get(WebhookProcessorService).drain();
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('webhooks_received_total', { source: 'instantly' })).toBe(3);
    expect(delta('webhooks_deduplicated_total', { source: 'instantly' })).toBe(1);
    expect(delta('webhooks_rejected_total', { source: 'instantly', status: '401' })).toBe(1);
    expect(delta('webhooks_rejected_total', { source: 'unknown', status: '404' })).toBe(1);
    expect(delta('webhook_processing_attempts_total', { outcome: 'processed' })).toBe(3);
    expect(delta('webhook_processing_duration_seconds_count', { event_type: 'email.opened', outcome: 'processed' })).toBe(3);
    expect(delta('webhook_ingest_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(delta('webhook_ingest_batch_size_sum')).toBe(4);
    expect(delta('http_request_duration_seconds_count', { method: 'POST', route: '/api/webhooks/instantly', status_class: '2xx' })).toBe(4);
    expect(sample(after, 'webhook_logs', { status: 'processed' })).toBeGreaterThanOrEqual(3);
    expect(sample(after, 'webhook_oldest_due_pending_seconds')).toBe(0);
    expect(sample(after, 'db_pool_size')).toBe(5);
    expect(sample(after, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    // A log due for two minutes and not processed: the lag an operator alerts on.
    await t.owner.query(
      `INSERT INTO webhook_log (event_source, event_type, dedup_key, payload, next_attempt_at) VALUES ('custom', 'x', $1, '{}', now() - interval '2 minutes')`,
      [randomUUID()],
    );
    expect(sample(await scrape(), 'webhook_oldest_due_pending_seconds')).toBeGreaterThanOrEqual(119);
    await t.app.get(WebhookProcessorService).drain();
    expect(sample(await scrape(), 'webhook_oldest_due_pending_seconds')).toBe(0);
  });

  it('labels carry route templates, never ids, uuids or emails', async () => {
    await t.http().get(`/api/admin/webhooks/logs/${randomUUID()}`).set(org.as('owner'));
    await t.http().get(`/api/admin/onboarding/o/${'t'.repeat(43)}`);
    const text = await scrape();
    expect(text).toContain('route="/api/admin/webhooks/logs/:id"');
    expect(text).toContain('route="/api/admin/onboarding/o/:token"');
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(text).not.toMatch(/@|t{43}/);
  });
});

describe('limits shared across instances (REDIS_URL)', () => {
  it('two instances on one Redis give one public rate limit', async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6379', PUBLIC_RATE_LIMIT_PER_MINUTE: '3' };
    const a = await startTestApp(env);
    const b = await startTestApp(env);
    try {
      // A client address of its own (trusted from loopback), so earlier runs' counts do not matter.
      const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
      const open = (t: TestApp) =>
        t
          .http()
          .get(`/api/admin/onboarding/o/${'r'.repeat(43)}`)
          .set('X-Forwarded-For', ip);
      expect((await open(a)).status).toBe(404);
      expect((await open(a)).status).toBe(404);
      expect((await open(b)).status).toBe(404);
      const refused = await open(b);
      expect(refused.status).toBe(429);
      expect((await open(a)).status).toBe(429);
      // Another client is not affected.
      expect(
        (
          await b
            .http()
            .get(`/api/admin/onboarding/o/${'r'.repeat(43)}`)
            .set('X-Forwarded-For', '10.255.255.254')
        ).status,
      ).not.toBe(429);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('with Redis unreachable the limited routes answer 503 with Retry-After, not a 500; the rest works', async () => {
    const t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1', WEBHOOK_STATS_CACHE_SECONDS: '15' });
    try {
      const res = await t.http().get(`/api/admin/onboarding/o/${'r'.repeat(43)}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      const org = await createOrgFixture(t.owner, 'No Redis');
      // The stats cache only loses its cache.
      expect((await t.http().get('/api/admin/webhooks/stats').query({ status: 'failed' }).set(org.as('owner'))).status).toBe(200);
      expect((await t.http().get('/api/admin/campaigns').set(org.as('owner'))).status).toBe(200);
    } finally {
      await t.close();
    }
  }, 30000);
});

(hasPrometheus() ? describe : describe.skip)('a real Prometheus scraping the service', () => {
  let t: TestApp;
  let prometheus: ChildProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'salesbrain-prometheus-'));
  });
  afterAll(async () => {
    prometheus?.kill('SIGKILL');
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees the ingestion counter rise (PromQL through its HTTP API)', async () => {
    const target = `127.0.0.1:${await t.listen()}`;
    writeFileSync(join(dir, 'token'), METRICS_TOKEN);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: salesbrain\n    metrics_path: /metrics\n` +
        `    authorization: { type: Bearer, credentials_file: ${join(dir, 'token')} }\n    static_configs: [{ targets: ["${target}"] }]\n`,
    );
    const port = 19000 + randomInt(900);
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      {
        stdio: 'ignore',
      },
    );
    const query = async (q: string): Promise<number | null> => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
        const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
        const v = body.data?.result?.[0]?.value?.[1];
        return v === undefined ? null : Number(v);
      } catch {
        return null;
      }
    };
    const waitFor = async (q: string, ok: (v: number | null) => boolean) => {
      const deadline = Date.now() + 30000;
      for (;;) {
        const v = await query(q);
        if (ok(v)) return v;
        if (Date.now() > deadline) throw new Error(`Prometheus never answered ${q} as expected (last: ${v})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const q = 'sum(webhooks_received_total{source="instantly"}) or vector(0)';
    await waitFor('up{job="salesbrain"}', (v) => v === 1);
    const start = (await waitFor(q, (v) => v !== null))!;
    const org = await createOrgFixture(t.owner, 'Scraped');
    for (let i = 0; i < 5; i++) {
      await t
        .http()
        .post('/api/webhooks/instantly')
        .set('x-webhook-secret', TEST_INSTANTLY_SECRET)
        .send(instantlyPayload('email_sent', org.workspaceId))
        .expect(200);
    }
    expect(await waitFor(q, (v) => v !== null && v >= start + 5)).toBe(start + 5);
  }, 60000);
});
