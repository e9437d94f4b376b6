import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { hasPrometheus } from './support/tools';

const deploy = (...p: string[]) => join(__dirname, '..', 'deploy', ...p);
const promtool = (...args: string[]) => execFileSync('promtool', args, { cwd: deploy('prometheus'), encoding: 'utf8', stdio: 'pipe' });

/**
 * What operators run (issue 15): the Prometheus configuration and alert rules checked by promtool,
 * the alert rules' unit tests, and the image and compose file checked for what they must contain
 * (no Docker engine runs on this machine, so they are parsed, not built).
 */
describe('deploy/', () => {
  (hasPrometheus() ? it : it.skip)(
    'promtool: the scrape configuration and the alert rules are valid, and the rules’ unit tests pass (firing and not)',
    () => {
      expect(promtool('check', 'config', '--syntax-only', 'prometheus.yml')).toMatch(/SUCCESS/);
      expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: 7 rules found/);
      expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
      const rules = parse(readFileSync(deploy('prometheus', 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] };
      const tests = readFileSync(deploy('prometheus', 'alerts.test.yml'), 'utf8');
      for (const { alert } of rules.groups.flatMap((g) => g.rules)) expect(tests).toContain(`alertname: ${alert}`);
    },
  );

  it('the image: multi-stage, production dependencies only, a non-root user, a health check, migrations not in the start command', () => {
    const dockerfile = readFileSync(deploy('Dockerfile'), 'utf8');
    const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines.filter((l) => l.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/api\/health/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
    for (const l of lines) expect(l).toMatch(/^(FROM|WORKDIR|COPY|RUN|ENV|USER|EXPOSE|HEALTHCHECK|CMD| {2})/);
  });

  it('the compose file: PostgreSQL, Redis, migrations once, a receiver-only and a worker instance, Prometheus', () => {
    const compose = parse(readFileSync(deploy('docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<
        string,
        { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }
      >;
    };
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(['migrate', 'postgres', 'prometheus', 'receiver', 'redis', 'worker']);
    expect(s.migrate.command).toEqual(['node', 'dist/src/database/migrate-cli.js', 'run']);
    expect(s.receiver.environment).toMatchObject({ WEBHOOK_WORKERS: '0', REDIS_URL: 'redis://redis:6379' });
    expect(Number(s.worker.environment?.WEBHOOK_WORKERS)).toBeGreaterThan(0);
    for (const name of ['receiver', 'worker']) {
      expect(s[name].depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(s[name].environment?.METRICS_TOKEN).toBeDefined();
    }
  });
});
