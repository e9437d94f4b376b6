import { ChildProcess, execFileSync, spawn } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { runtimeUrlFor, testDbName } from '../support/db-urls';
import { TEST_INSTANTLY_SECRET, TEST_JWT_SECRET } from '../support/test-app';

export interface Instance {
  child: ChildProcess;
  url: string;
  output: () => string;
  rssMb: () => number;
}

/** The built service as a separate process, on an ephemeral loopback port. */
export async function startInstance(env: Record<string, string> = {}): Promise<Instance> {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: runtimeUrlFor(testDbName()),
      JWT_SECRET: TEST_JWT_SECRET,
      INSTANTLY_WEBHOOK_SECRET: TEST_INSTANTLY_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d.toString()));
  child.stderr.on('data', (d) => (out += d.toString()));
  const deadline = Date.now() + 60000;
  while (!/listening on (http:\/\/\S+)/.test(out)) {
    if (child.exitCode !== null) throw new Error(`instance exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`instance did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /listening on (http:\/\/\S+)/.exec(out)![1].replace('localhost', '127.0.0.1');
  return {
    child,
    url,
    output: () => out,
    rssMb: () => {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
      } catch {
        return 0;
      }
    },
  };
}

export async function stopInstance(i: Instance | undefined): Promise<void> {
  if (!i || i.child.exitCode !== null || i.child.signalCode) return;
  const exited = new Promise((r) => i.child.once('exit', r));
  i.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
  if (i.child.exitCode === null && !i.child.signalCode) i.child.kill('SIGKILL');
}

/** Stops, then after downMs starts the local PostgreSQL cluster (root on the development and CI machines). */
export async function restartPostgres(downMs: number): Promise<void> {
  const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n').sort().pop()!;
  const ctl = (action: string, ...extra: string[]) =>
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action, ...extra], { stdio: 'ignore', timeout: 60000 });
  ctl('stop', '-m', 'fast');
  try {
    await new Promise((r) => setTimeout(r, downMs));
  } finally {
    ctl('start');
  }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
