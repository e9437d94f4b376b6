import http from 'http';
import { createOrgFixture, startTestApp, TestApp } from './support/test-app';

// Its own app: a statement timeout of 300 ms, so an export that takes longer than that shows
// whether the cursor's fetches are cut off by it (they were: a 10M-row export ended at 6M rows).
describe('an export longer than DATABASE_STATEMENT_TIMEOUT_MS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_STATEMENT_TIMEOUT_MS: '300' });
  });
  afterAll(() => t.close());

  it('streams every row to a client that reads slowly', async () => {
    const org = await createOrgFixture(t.owner, 'Long export');
    await t.owner.query(
      `INSERT INTO webhook_log (organization_id, event_source, event_type, status, dedup_key, payload, contact_email)
       SELECT $1, 'instantly', 'email.sent', 'processed', md5('long' || g), '{}', 'long' || g || '@x.example' FROM generate_series(1, 20000) g`,
      [org.id],
    );
    const port = await t.listen();
    const started = Date.now();
    const lines = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/api/admin/webhooks/logs/export?format=csv', headers: org.as('owner') }, (res) => {
          let n = 0;
          let paused = 0;
          res.on('data', (d: Buffer) => {
            for (const b of d) if (b === 10) n++;
            // Read slowly: a pause now and then, so the export spans several statement timeouts.
            if (paused < 4 && n > (paused + 1) * 3000) {
              paused++;
              res.pause();
              setTimeout(() => res.resume(), 400);
            }
          });
          res.on('end', () => resolve(n));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(Date.now() - started).toBeGreaterThan(1200);
    expect(lines).toBe(20000); // the header and every row (the last one ends without a newline)
  });
});
