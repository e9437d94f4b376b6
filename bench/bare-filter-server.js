'use strict';
/* Baseline for the RLS request path: the same campaign filter SQL through pg, no framework, no
 * token, no per-request transaction or set_config. Same pool size as the service. */
const http = require('http');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE || 10) });
const SQL = `SELECT id, name, status, organization_id FROM campaign
  WHERE ($1::uuid IS NULL OR organization_id = $1) AND ($2::text IS NULL OR name ILIKE $2 ESCAPE '\\')
    AND ($3::text IS NULL OR status = $3) ORDER BY name, id LIMIT 100`;

const server = http.createServer(async (req, res) => {
  try {
    const u = new URL(req.url, 'http://x');
    const search = u.searchParams.get('search');
    const r = await pool.query(SQL, [process.env.BENCH_ORG_ID, search ? `%${search}%` : null, u.searchParams.get('status')]);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: true, data: r.rows }));
  } catch (e) {
    res.writeHead(500);
    res.end(String(e.message));
  }
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
