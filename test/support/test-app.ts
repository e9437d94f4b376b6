import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { Pool } from 'pg';
import request, { Response, Test } from 'supertest';
import { ContractChecker, recordChecked } from './contract';
import { createApp } from '../../src/app.setup';
import { signToken } from '../../src/auth/jwt';
import { TokenRole } from '../../src/auth/roles';
import { loadConfig } from '../../src/config/app-config';
import { adminUrlFor, runtimeUrlFor, testDbName } from './db-urls';

export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
export const TEST_INSTANTLY_SECRET = 'instantly-test-secret-0123456789';

export interface TestApp {
  app: INestApplication;
  /** supertest on the app; every answer is checked against the app's own OpenAPI document. */
  http: () => ReturnType<typeof request>;
  contract: ContractChecker;
  /** The app's HTTP server listening on a loopback port (started on first call), for raw sockets and outside clients. */
  listen(): Promise<number>;
  /** Superuser connection to the test database, for fixtures and for checking what was stored. */
  owner: Pool;
  close(): Promise<void>;
}

export function baseTestEnv(): Record<string, string> {
  return {
    DATABASE_URL: runtimeUrlFor(testDbName()),
    JWT_SECRET: TEST_JWT_SECRET,
    INSTANTLY_WEBHOOK_SECRET: TEST_INSTANTLY_SECRET,
    WEBHOOK_SECRET_N8N: 'n8n-test-secret-0123456789',
    LOG_LEVEL: 'error',
    LOG_REQUESTS: 'false',
    DATABASE_POOL_SIZE: '5',
    WEBHOOK_WORKERS: '0',
    WEBHOOK_STATS_CACHE_SECONDS: '0',
  };
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({ ...baseTestEnv(), ...env });
  const app = await createApp(config, false);
  await app.init();
  const owner = new Pool({ connectionString: adminUrlFor(testDbName()), max: 3 });
  const contract = new ContractChecker((await request(app.getHttpServer()).get('/api/docs-json')).body);
  return {
    app,
    http: () => checkedAgent(request(app.getHttpServer()), contract),
    contract,
    owner,
    async listen() {
      const server = app.getHttpServer() as Server;
      if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return (server.address() as AddressInfo).port;
    },
    async close() {
      recordChecked(contract);
      await app.close();
      await owner.end();
    },
  };
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** The supertest agent, with each request's answer checked against the contract before the test sees it. */
function checkedAgent(agent: ReturnType<typeof request>, contract: ContractChecker): ReturnType<typeof request> {
  return new Proxy(agent, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !METHODS.has(prop) || typeof value !== 'function') return value;
      return (url: string) => {
        const test = (value as (u: string) => Test).call(target, url);
        const then = test.then.bind(test);
        test.then = ((onOk?: (r: Response) => unknown, onErr?: (e: unknown) => unknown) =>
          then((res: Response) => {
            contract.checkResponse(prop, res);
            return res;
          }).then(onOk, onErr)) as Test['then'];
        return test;
      };
    },
  });
}

export function token(role: TokenRole, orgId?: string | null, sub: string = randomUUID()): string {
  return signToken(TEST_JWT_SECRET, { sub, role, org_id: orgId ?? undefined });
}

export function bearer(role: TokenRole, orgId?: string | null, sub?: string): { Authorization: string } {
  return { Authorization: `Bearer ${token(role, orgId, sub)}` };
}

export interface OrgFixture {
  id: string;
  name: string;
  workspaceId: string;
  users: Record<'owner' | 'admin' | 'member' | 'viewer', string>;
  campaigns: { id: string; name: string; status: string }[];
  /** Headers for each role, org roles bound to this organization. */
  as: (role: TokenRole) => { Authorization: string };
}

/** An organization with a user of every role and a few campaigns, written as the owner. */
export async function createOrgFixture(owner: Pool, label: string, campaignNames: string[] = []): Promise<OrgFixture> {
  const suffix = randomUUID().slice(0, 8);
  const name = `${label} ${suffix}`;
  const workspaceId = randomUUID();
  const org = await owner.query(`INSERT INTO organization (name, instantly_workspace_id) VALUES ($1, $2) RETURNING id`, [
    name,
    workspaceId,
  ]);
  const id: string = org.rows[0].id;
  const users = {} as OrgFixture['users'];
  for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
    const u = await owner.query(
      `INSERT INTO "user" (organization_id, email, first_name, last_name, role) VALUES ($1, $2, $3, 'Test', $3) RETURNING id`,
      [id, `${role}-${suffix}@example.test`, role],
    );
    users[role] = u.rows[0].id;
  }
  const campaigns: OrgFixture['campaigns'] = [];
  for (const [i, c] of campaignNames.entries()) {
    const status = i % 2 === 0 ? 'active' : 'paused';
    const r = await owner.query(`INSERT INTO campaign (organization_id, name, status) VALUES ($1, $2, $3) RETURNING id`, [id, c, status]);
    campaigns.push({ id: r.rows[0].id, name: c, status });
  }
  const as = (role: TokenRole) => {
    const userId = (users as Record<string, string>)[role];
    return bearer(role, role === 'sb_admin' || role === 'sb_operator' ? null : id, userId);
  };
  return { id, name, workspaceId, users, campaigns, as };
}

export const ALL_ROLES: TokenRole[] = ['sb_admin', 'sb_operator', 'owner', 'admin', 'member', 'viewer'];

export function expectErrorBody(body: Record<string, unknown>, status: number): void {
  expect(body).toMatchObject({ success: false, statusCode: status });
  expect(typeof body.message).toBe('string');
  expect(body.detail).toBe(body.message);
  expect(JSON.stringify(body)).not.toMatch(/\bat \S+\.(js|ts):\d+|SELECT |INSERT |QueryFailedError/);
}
