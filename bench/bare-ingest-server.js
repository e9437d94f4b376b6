'use strict';
/* Baseline for ingestion: parse JSON, one INSERT per request through pg, answer with the id.
 * BARE_TABLE=minimal (default): into bench.minimal_log (id, event type, payload, unique dedup key,
 * created_at), which the bench creates. BARE_TABLE=full: into the service's schema, the dedup key
 * first (webhook_log_dedup) and the log in the same statement. */
const http = require('http');
const crypto = require('crypto');
const { Pool } = require('pg');

const FULL = process.env.BARE_TABLE === 'full';
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE || 10) });

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const b = JSON.parse(text);
      const key = crypto
        .createHash('sha256')
        .update(JSON.stringify([b.event_type, b.timestamp, b.workspace, b.campaign_id, b.lead_email, b.email_id, b.step, b.variant]))
        .digest('hex');
      const r = FULL
        ? await pool.query(
            `WITH k AS (INSERT INTO webhook_log_dedup (event_source, dedup_key, log_id) VALUES ('instantly', $1, gen_random_uuid())
                        ON CONFLICT DO NOTHING RETURNING log_id)
             INSERT INTO webhook_log (id, event_source, dedup_key, event_type, raw_event_type, payload, workspace_id, instantly_campaign_id, campaign_name, contact_email)
             SELECT k.log_id, 'instantly', $1, $2, $2, $3::jsonb, $4, $5, $6, $7 FROM k RETURNING id`,
            [key, b.event_type, text, b.workspace, b.campaign_id, b.campaign_name, b.lead_email],
          )
        : await pool.query(
            `INSERT INTO bench.minimal_log (event_type, payload, dedup_key) VALUES ($2, $3::jsonb, $1) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
            [key, b.event_type, text],
          );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: true, data: { id: r.rows[0] && r.rows[0].id, duplicate: !r.rows[0] } }));
    } catch (e) {
      res.writeHead(500);
      res.end(String(e.message));
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
