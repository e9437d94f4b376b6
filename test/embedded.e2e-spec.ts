import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DEMO_WORKSPACE_ID } from '../src/database/seed-demo';

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
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      DATA_DIR: join(dir, '.data'),
      LOG_REQUESTS: 'false',
    };
    child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

    const filter = await fetch(`${base}/api/admin/campaigns/filter?search=outreach`, {
      headers: { Authorization: `Bearer ${ownerToken}` },
    });
    expect(filter.status).toBe(200);
    const body = (await filter.json()) as { data: { name: string }[] };
    expect(body.data.map((c) => c.name)).toEqual(['Q1 Outreach DACH']);

    const orgs = await fetch(`${base}/api/admin/organizations`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(((await orgs.json()) as { data: { total: number } }).data.total).toBe(1);
  }, 120000);
});

/** Issue 12, item 6: what was processed before Ctrl+C or SIGTERM is still processed after a restart. */
describe('embedded mode: a clean stop keeps committed work', () => {
  const children: ChildProcess[] = [];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'salesbrain-embedded-stop-'));
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      DATA_DIR: join(dir, '.data'),
      LOG_REQUESTS: 'false',
    };
    const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.stderr.on('data', (d) => (out += d.toString()));
    const deadline = Date.now() + 90000;
    while (!/x-webhook-secret\): \S+/.test(out)) {
      if (child.exitCode !== null) throw new Error(`service exited early:\n${out}`);
      if (Date.now() > deadline) throw new Error(`service did not start in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      child,
      base: /listening on (http:\/\/\S+)/.exec(out)![1],
      admin: /sb_admin token:\s+(\S+)/.exec(out)![1],
      secret: /x-webhook-secret\): (\S+)/.exec(out)![1],
      output: () => out,
    };
  };
  const stop = async (child: ChildProcess, signal: NodeJS.Signals) => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    return Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20000))]);
  };

  it.each(['SIGTERM', 'SIGINT'] as NodeJS.Signals[])(
    '%s: processed logs stay processed and their contacts stay',
    async (signal) => {
      const s = await start();
      const emails = [1, 2, 3].map((i) => `stop-${signal.toLowerCase()}-${i}@lead.example`);
      const ids: string[] = [];
      for (const email of emails) {
        const res = await fetch(`${s.base}/api/webhooks/instantly`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-webhook-secret': s.secret },
          body: JSON.stringify({
            event_type: 'email_opened',
            workspace: DEMO_WORKSPACE_ID,
            lead_email: email,
            email_id: `${signal}-${email}`,
          }),
        });
        expect(res.status).toBe(200);
        ids.push(((await res.json()) as { data: { id: string } }).data.id);
      }
      const statuses = async (base: string) =>
        Promise.all(
          ids.map(async (id) => {
            const r = await fetch(`${base}/api/admin/webhooks/logs/${id}`, { headers: { Authorization: `Bearer ${s.admin}` } });
            return ((await r.json()) as { data: { status: string } }).data.status;
          }),
        );
      const deadline = Date.now() + 30000;
      while ((await statuses(s.base)).some((st) => st !== 'processed')) {
        if (Date.now() > deadline) throw new Error('the events were not processed in time');
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await stop(s.child, signal)).toBe(0);
      expect(s.output()).toMatch(/stopped/);

      const again = await start();
      try {
        expect(await statuses(again.base)).toEqual(['processed', 'processed', 'processed']);
        const contacts = await fetch(`${again.base}/api/admin/contacts?search=stop-${signal}&limit=10`, {
          headers: { Authorization: `Bearer ${again.admin}` },
        });
        const body = (await contacts.json()) as { data: { contacts: { email: string; opens: number }[] } };
        expect(body.data.contacts.map((c) => [c.email, c.opens]).sort()).toEqual(emails.map((e) => [e, 1]));
      } finally {
        expect(await stop(again.child, 'SIGTERM')).toBe(0);
      }
    },
    180000,
  );
});
