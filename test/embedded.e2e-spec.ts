import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** The newcomer's path: the built service with no DATABASE_URL runs on PGlite in a fresh directory. */
describe('embedded mode (no DATABASE_URL)', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  let output = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'salesbrain-embedded-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, migrates, seeds, prints a working admin token, serves health and the campaign filter', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', DATA_DIR: join(dir, '.data'), LOG_REQUESTS: 'false' };
    child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d.toString()));
    child.stderr!.on('data', (d) => (output += d.toString()));
    const deadline = Date.now() + 90000;
    while (!/demo owner token: \S+/.test(output)) {
      if (child.exitCode !== null) throw new Error(`service exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`service did not print its tokens in time:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const base = /listening on (http:\/\/\S+)/.exec(output)![1];
    const adminToken = /sb_admin token:\s+(\S+)/.exec(output)![1];
    const ownerToken = /demo owner token:\s+(\S+)/.exec(output)![1];

    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ success: true, data: { database: 'up' } });

    const filter = await fetch(`${base}/api/admin/campaigns/filter?search=outreach`, { headers: { Authorization: `Bearer ${ownerToken}` } });
    expect(filter.status).toBe(200);
    const body = (await filter.json()) as { data: { name: string }[] };
    expect(body.data.map((c) => c.name)).toEqual(['Q1 Outreach DACH']);

    const orgs = await fetch(`${base}/api/admin/organizations`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(((await orgs.json()) as { data: { total: number } }).data.total).toBe(1);
  }, 120000);
});
