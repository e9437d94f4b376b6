'use strict';
/* Shared helpers for the benchmarks: a database of their own, the built service and a bare
 * baseline server as child processes, autocannon on loopback, bounded in time. */
const { spawn } = require('child_process');
const { Client } = require('pg');
const os = require('os');
const path = require('path');
const fs = require('fs');
const autocannon = require('autocannon');

const ADMIN_URL = process.env.BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const LOGIN_ROLE = 'salesbrain_bench_login';

function urlFor(db, user) {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  if (user) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

async function freshDatabase(name) {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const { runMigrations } = require('../dist/src/database/run-migrations');
  await runMigrations(urlFor(name), false);
  const owner = new Client({ connectionString: urlFor(name) });
  await owner.connect();
  await owner.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${LOGIN_ROLE}') THEN
        CREATE ROLE ${LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS INHERIT;
      END IF; END $$;
    GRANT salesbrain_app TO ${LOGIN_ROLE};`);
  return { owner, ownerUrl: urlFor(name), runtimeUrl: urlFor(name, LOGIN_ROLE) };
}

async function dropDatabase(name) {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

function startProcess(script, env, readyPattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d) => {
      out += d.toString();
      const m = readyPattern.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        resolve({ child, url: m[1], output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${out}`)));
    setTimeout(() => reject(new Error(`${script} did not start:\n${out}`)), 60000).unref();
  });
}

function startService(env) {
  return startProcess(
    path.join(__dirname, '..', 'dist', 'src', 'main.js'),
    { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOG_REQUESTS: 'false', ...env },
    /listening on (http:\/\/\S+)/,
  );
}

function startBare(script, env) {
  return startProcess(path.join(__dirname, script), env, /listening on (http:\/\/\S+)/);
}

async function stop(proc) {
  if (!proc || proc.child.exitCode !== null) return;
  proc.child.removeAllListeners('exit');
  const done = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
  if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
}

function load(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

function summary(r) {
  return {
    requests_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    total: r.requests.total,
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

function machine() {
  return `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function writeResult(name, data) {
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ machine: machine(), at: new Date().toISOString(), ...data }, null, 2));
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

module.exports = { freshDatabase, dropDatabase, startService, startBare, stop, load, summary, machine, writeResult, urlFor, percentile };
