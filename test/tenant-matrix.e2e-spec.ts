import { createHash, randomUUID } from 'crypto';
import { TokenRole } from '../src/auth/roles';
import { WebhookProcessorService } from '../src/webhooks/processing/webhook-processor.service';
import { instantlyPayload } from './support/instantly';
import { createOrgFixture, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

type Schema = { type?: string; enum?: unknown[]; format?: string; items?: Schema };
type Op = { path: string; method: string; params: { name: string; in: string; schema?: Schema }[]; body?: Record<string, Schema> };

/**
 * Tenant isolation, generated: every route of the OpenAPI document, called by every role of
 * organization A with the ids of organization B's rows wherever an id can go. No response to an
 * organization role ever carries B's data, and B's rows are unchanged afterwards. Platform roles
 * are shown in the matrix too (they may see every organization).
 */
describe('tenant isolation matrix', () => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  let ops: Op[];
  const ids: Record<string, string> = {};
  let markers: string[] = [];
  const matrix: Record<string, Record<string, number>> = {};

  const snapshotB = async () => {
    const parts: string[] = [];
    for (const table of [
      'organization',
      '"user"',
      'campaign',
      'contact',
      'webhook_log',
      'onboarding_link',
      'onboarding_link_token',
      'organization_webhook_credential',
      'user_campaign_assignment',
      'user_contact_assignment',
    ]) {
      const col = table === 'organization' ? 'id' : 'organization_id';
      const rows = await t.owner.query(`SELECT to_jsonb(x) - 'updated_at' AS r FROM ${table} x WHERE ${col} = $1 ORDER BY 1`, [b.id]);
      parts.push(JSON.stringify(rows.rows));
    }
    return createHash('sha256').update(parts.join('|')).digest('hex');
  };

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '100000' });
    a = await createOrgFixture(t.owner, 'Matrix A', ['Matrix A camp']);
    b = await createOrgFixture(t.owner, 'Matrix B secret-org', ['B-secret-campaign']);
    const contact = await t.owner.query(
      `INSERT INTO contact (organization_id, email, company) VALUES ($1, 'b-secret-lead@victim.example', 'B-secret-company') RETURNING id`,
      [b.id],
    );
    ids.contact = contact.rows[0].id;
    ids.campaign = b.campaigns[0].id;
    ids.icampaign = `b-instantly-${randomUUID()}`;
    await t.owner.query(`UPDATE campaign SET instantly_campaign_id = $1 WHERE id = $2`, [ids.icampaign, ids.campaign]);
    await t.http().post(`/api/admin/organizations/${b.id}/webhook-credential`).set(b.as('owner')).send({}).expect(201);
    ids.user = b.users.member;
    await t.owner.query(`INSERT INTO user_contact_assignment (user_id, contact_id, organization_id) VALUES ($1, $2, $3)`, [
      b.users.admin,
      ids.contact,
      b.id,
    ]);
    await t.owner.query(`INSERT INTO user_campaign_assignment (user_id, campaign_id, organization_id) VALUES ($1, $2, $3)`, [
      b.users.admin,
      ids.campaign,
      b.id,
    ]);
    const hook = await t
      .http()
      .post('/api/webhooks/instantly')
      .set({ 'x-webhook-secret': TEST_INSTANTLY_SECRET })
      .send(
        instantlyPayload('email_opened', b.workspaceId, {
          lead_email: 'b-secret-webhook@victim.example',
          campaign_name: 'B-secret-campaign',
        }),
      );
    ids.log = hook.body.data.id;
    await t.app.get(WebhookProcessorService).drain();
    const link = await t
      .http()
      .post('/api/admin/onboarding/create-link')
      .set(b.as('owner'))
      .send({ organization_id: b.id, welcome_message: 'B-secret-welcome' });
    ids.link = link.body.data.link_id;
    ids.token = link.body.data.link_token;
    markers = [
      b.id,
      b.name,
      b.workspaceId,
      ids.icampaign,
      ids.contact,
      ids.log,
      ids.link,
      ids.token,
      ids.campaign,
      ...Object.values(b.users),
      'b-secret',
      'B-secret',
    ];
    const doc = (await t.http().get('/api/docs-json')).body;
    ops = [];
    for (const [path, methods] of Object.entries(
      doc.paths as Record<
        string,
        Record<string, { parameters?: Op['params']; requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>
      >,
    )) {
      for (const [method, op] of Object.entries(methods)) {
        const ref = op.requestBody?.content?.['application/json']?.schema?.$ref?.split('/').pop();
        ops.push({
          path,
          method,
          params: op.parameters ?? [],
          body: ref ? doc.components.schemas[ref].properties : op.requestBody ? {} : undefined,
        });
      }
    }
  });
  afterAll(async () => {
    const roles = Object.keys(Object.values(matrix)[0] ?? {});
    const lines = [`| route | ${roles.join(' | ')} |`, `|---|${roles.map(() => '---').join('|')}|`];
    for (const [route, row] of Object.entries(matrix)) lines.push(`| ${route} | ${roles.map((r) => row[r]).join(' | ')} |`);
    console.log(
      `tenant isolation matrix: ${Object.keys(matrix).length} routes × ${roles.length} callers = ${Object.keys(matrix).length * roles.length} calls with organization B's ids\n${lines.join('\n')}`,
    );
    await t.close();
  });

  const valueFor = (name: string, s: Schema | undefined): unknown => {
    if (name === 'organization_id') return b.id;
    if (name === 'campaign_id') return ids.campaign;
    if (name === 'contact_id') return ids.contact;
    if (name === 'user_id' || name === 'created_by') return ids.user;
    if (name === 'link_id') return ids.link;
    if (name === 'id') return ids.log;
    if (name === 'token') return 'Z'.repeat(43);
    if (name === 'source') return 'n8n';
    if (name === 'campaign_ids') return [ids.campaign];
    if (name === 'contact_ids') return [ids.contact];
    if (name === 'log_ids') return [ids.log];
    // B's lead: a subject request or erasure that reached B would carry or change it.
    if (name === 'email') return 'b-secret-lead@victim.example';
    if (name === 'filter') return { organization_id: b.id };
    if (name === 'search') return 'secret';
    // Routing identifiers: B's, so that a write that took them would capture B's events.
    if (name === 'instantly_workspace_id') return b.workspaceId;
    if (name === 'instantly_campaign_id') return ids.icampaign;
    if (s?.enum) return s.enum[0];
    if (s?.format === 'uuid') return b.id;
    if (s?.type === 'integer' || s?.type === 'number') return name === 'current_step' ? 1 : 1;
    if (s?.type === 'boolean') return false;
    if (s?.type === 'array') return [];
    return 'matrix';
  };

  it('no organization role ever receives or changes another organization’s data', async () => {
    const before = await snapshotB();
    const callers: [string, Record<string, string>][] = [
      ...(['owner', 'admin', 'member', 'viewer'] as TokenRole[]).map((r) => [r, a.as(r)] as [string, Record<string, string>]),
      ['public', {}],
    ];
    const leaks: string[] = [];
    for (const phase of [
      callers,
      [
        ['sb_operator', a.as('sb_operator')],
        ['sb_admin', a.as('sb_admin')],
      ] as [string, Record<string, string>][],
    ]) {
      for (const op of ops) {
        const route = `${op.method.toUpperCase()} ${op.path}`;
        matrix[route] ??= {};
        for (const [role, headers] of phase) {
          let url = op.path;
          for (const p of op.params.filter((x) => x.in === 'path')) url = url.replace(`{${p.name}}`, String(valueFor(p.name, p.schema)));
          const query = Object.fromEntries(
            op.params
              .filter((x) => x.in === 'query')
              .filter(
                (p) =>
                  !['cursor', 'limit', 'offset', 'date_from', 'date_to', 'older_than_days', 'min_lead_score', 'event_type'].includes(
                    p.name,
                  ),
              )
              .map((p) => [p.name, String(valueFor(p.name, p.schema))]),
          );
          if (op.path.endsWith('/cleanup')) query.older_than_days = '3650';
          let req = (t.http() as unknown as Record<string, (u: string) => import('supertest').Test>)
            [op.method](url)
            .query(query)
            .set(headers);
          if (op.path.startsWith('/api/webhooks')) req = req.set('x-webhook-secret', 'wrong-secret-wrong-secret');
          const body = op.body ? Object.fromEntries(Object.entries(op.body).map(([k, s]) => [k, valueFor(k, s)])) : undefined;
          if (body) req = req.send(body);
          const res = await req;
          // An id the caller sent may be echoed in an error message; anything else of B's may not appear.
          const sent = `${url} ${JSON.stringify(query)} ${JSON.stringify(body ?? {})}`;
          matrix[route][role] = res.status;
          if (phase === callers) {
            const text = res.text ?? '';
            const found = markers.filter((m) => text.includes(m) && !sent.includes(m));
            if (found.length) leaks.push(`${route} as ${role} → ${res.status} carried ${found.join(', ')}`);
          }
        }
      }
      if (phase === callers) {
        expect(leaks).toEqual([]);
        expect(await snapshotB()).toBe(before);
      }
    }
    // Platform roles do see B (the matrix shows it); sanity check that B's data was reachable at all.
    expect(matrix['GET /api/admin/webhooks/logs/{id}'].sb_admin).toBe(200);
    expect(matrix['GET /api/admin/webhooks/logs/{id}'].owner).toBe(404);
    expect(Object.keys(matrix).length).toBeGreaterThanOrEqual(35);
  }, 120_000);

  it("no organization role can point its own organization or campaigns at another tenant's routing identifiers", async () => {
    const routingOfA = async () =>
      (
        await t.owner.query(
          `SELECT o.instantly_workspace_id, o.status, array_agg(c.instantly_campaign_id ORDER BY c.id) FILTER (WHERE c.instantly_campaign_id IS NOT NULL) AS campaigns
           FROM organization o LEFT JOIN campaign c ON c.organization_id = o.id WHERE o.id = $1 GROUP BY o.id`,
          [a.id],
        )
      ).rows[0];
    const before = await routingOfA();
    const beforeB = await snapshotB();
    const refused: string[] = [];
    for (const role of ['owner', 'admin', 'member', 'viewer'] as TokenRole[]) {
      const attempts = [
        t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as(role)).send({ instantly_workspace_id: b.workspaceId }),
        t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as(role)).send({ instantly_workspace_id: null }),
        t.http().patch(`/api/admin/organizations/${a.id}`).set(a.as(role)).send({ status: 'active' }),
        t
          .http()
          .post('/api/admin/campaigns')
          .set(a.as(role))
          .send({ organization_id: a.id, name: 'grab', instantly_campaign_id: ids.icampaign }),
        t.http().post(`/api/admin/organizations/${b.id}/webhook-credential`).set(a.as(role)).send({}),
        t.http().get(`/api/admin/organizations/${b.id}/webhook-credential`).set(a.as(role)),
      ];
      for (const res of await Promise.all(attempts)) {
        expect([403, 404]).toContain(res.status);
        refused.push(`${role}:${res.status}`);
      }
    }
    console.log(`routing columns: ${refused.length} attempts by organization roles, all refused (${[...new Set(refused)].join(' ')})`);
    expect(await routingOfA()).toEqual(before);
    expect(await snapshotB()).toBe(beforeB);
  });
});
