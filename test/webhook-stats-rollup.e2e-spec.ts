import { randomUUID } from 'crypto';
import { TokenRole } from '../src/auth/roles';
import { WebhookStatsRollup } from '../src/webhook-logs/webhook-stats-rollup.service';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { instantlyPayload } from './support/instantly';
import { createOrgFixture, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

// Its own file, so its own database: drain() processes only this suite's logs, not whatever
// the other webhook-log suites left pending (10,000 of them after the bulk retry test).
describe('webhook stats rollup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_MAX_ATTEMPTS: '1' });
  });
  afterAll(() => t.close());

  it('answers exactly like a scan of the table, through inserts, processing, retries, deletes and compaction', async () => {
    const rollup = t.app.get(WebhookStatsRollup);
    const processor = t.app.get(WebhookProcessorService);
    const a = await createOrgFixture(t.owner, 'Rollup A');
    const b = await createOrgFixture(t.owner, 'Rollup B');
    const compare = async (org: OrgFixture, role: TokenRole) => {
      const fast = (await t.http().get('/api/admin/webhooks/stats').set(org.as(role))).body.data;
      const scan = (await t.http().get('/api/admin/webhooks/stats').query({ date_from: '2000-01-01T00:00:00Z' }).set(org.as(role))).body
        .data;
      for (const k of ['total', 'by_status', 'by_event_type', 'by_source', 'failure_rate'])
        expect({ k, v: fast[k] }).toEqual({ k, v: scan[k] });
      return fast;
    };
    const post = (org: OrgFixture | null, type: string, i: number) =>
      t
        .http()
        .post('/api/webhooks/instantly')
        .set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET })
        .send(
          instantlyPayload(type, org ? org.workspaceId : randomUUID(), {
            lead_email: `r${i}@x.example`,
            campaign_id: `rollup-${randomUUID()}`,
          }),
        );
    for (let i = 0; i < 12; i++) await post(i % 3 === 0 ? b : a, i % 2 ? 'email_opened' : 'lead_interested', i);
    await post(null, 'email_sent', 99);
    // Until processing maps them, received logs belong to no organization: only platform roles see them.
    expect((await compare(a, 'owner')).by_status).toEqual({});
    expect((await compare(a, 'sb_admin')).by_status.pending).toBe(13);
    await processor.drain();
    expect((await compare(a, 'admin')).by_status).toEqual({ processed: 8 });
    expect((await compare(b, 'owner')).by_status).toEqual({ processed: 4 });
    await compare(a, 'sb_operator');
    expect(await rollup.compact()).toBeGreaterThan(0);
    expect((await compare(a, 'owner')).by_status).toEqual({ processed: 8 });
    await compare(a, 'sb_admin');
    const failed = (await t.owner.query(`SELECT id FROM webhook_log WHERE status = 'failed' AND organization_id IS NULL`)).rows.map(
      (r) => r.id,
    );
    expect(failed.length).toBeGreaterThan(0);
    await t.http().post('/api/admin/webhooks/logs/bulk-retry').set(a.as('sb_admin')).send({ log_ids: failed }).expect(200);
    await compare(a, 'sb_admin');
    await t.owner.query(`UPDATE webhook_log SET created_at = now() - interval '100 days' WHERE organization_id = $1`, [b.id]);
    await t.http().delete('/api/admin/webhooks/logs/cleanup').query({ older_than_days: 90 }).set(a.as('sb_admin')).expect(200);
    await rollup.compact();
    await compare(a, 'sb_admin');
    expect((await compare(a, 'owner')).total).toBe(8);
    expect((await compare(b, 'owner')).total).toBe(0);
    const hourly = (await t.http().get('/api/admin/webhooks/stats').query({ interval: 'hour' }).set(a.as('owner'))).body.data;
    expect(hourly.buckets.reduce((s: number, x: { total: number }) => s + x.total, 0)).toBe(8);
  });
});
