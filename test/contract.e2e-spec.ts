import { readFileSync } from 'fs';
import { join } from 'path';
import { ContractChecker, ContractViolation } from './support/contract';
import { createOrgFixture, OrgFixture, startTestApp, TestApp } from './support/test-app';

type Op = { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

/**
 * The OpenAPI document is the portal's contract (issue 13): every operation types its answer, the
 * committed client is generated from exactly the document the app serves, and the check that every
 * other test's answers go through can really fail.
 */
describe('the OpenAPI contract', () => {
  let t: TestApp;
  let org: OrgFixture;
  let doc: {
    paths: Record<string, Record<string, Op>>;
    servers?: unknown[];
    info: { license?: unknown };
    components: { securitySchemes: Record<string, unknown> };
  };
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

  beforeAll(async () => {
    t = await startTestApp();
    org = await createOrgFixture(t.owner, 'Contract', ['Contract campaign']);
    doc = (await t.http().get('/api/docs-json')).body;
  });
  afterAll(() => t.close());

  it('every operation documents a typed 2xx JSON answer', () => {
    const untyped = operations().filter(
      ({ op }) =>
        !Object.entries(op.responses).some(([status, r]) => /^2/.test(status) && r.content?.['application/json']?.schema !== undefined),
    );
    expect(untyped.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    expect(operations().length).toBeGreaterThanOrEqual(40);
    console.log(`contract: ${operations().length} of ${operations().length} operations declare a typed 2xx answer`);
  });

  it('creates answer 201; public routes declare no JWT (the receivers their secret); every operation but health documents its 4xx; servers and license are set', () => {
    for (const { path, method, op } of operations()) {
      const isCreate = method === 'post' && /\/(organizations|users|campaigns|create-link|webhook-credential)$/.test(path);
      if (isCreate) expect(Object.keys(op.responses)).toContain('201');
      const isPublic = path === '/api/health' || path.startsWith('/api/admin/onboarding/o/');
      const isReceiver = path.startsWith('/api/webhooks/');
      expect(op.security).toEqual(isReceiver ? [{ webhook_secret: [] }] : isPublic ? [] : [{ bearer: [] }]);
      if (path !== '/api/health') expect(Object.keys(op.responses).some((s) => /^4/.test(s))).toBe(true);
    }
    expect(doc.components.securitySchemes.webhook_secret).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-webhook-secret' });
    expect(doc.servers).toEqual([{ url: '/', description: 'This service' }]);
    expect(doc.info.license).toBeDefined();
  });

  it('the committed client was generated from exactly the document the app serves', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'client', 'openapi.json'), 'utf8'));
    expect(committed).toEqual(doc);
  });

  it('fails on an answer with a missing field, an undocumented field, a wrong type, or an undocumented status', async () => {
    const res = await t.http().get('/api/admin/campaigns/filter').set(org.as('owner'));
    expect(res.status).toBe(200);
    // tsc needs the cast (the served document's type is narrower than OpenApiDoc's); the linter's view of the type differs.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    const checker = new ContractChecker(doc as never);
    const check = (status: number, body: unknown) => () =>
      checker.check('GET', '/api/admin/campaigns/filter', status, 'application/json', body);
    expect(check(200, res.body)).not.toThrow();
    const [first] = res.body.data as Record<string, unknown>[];
    const { status: _, ...missing } = first;
    expect(check(200, { success: true, data: [missing] })).toThrow(ContractViolation);
    expect(check(200, { success: true, data: [{ ...first, secret: 'x' }] })).toThrow(/must NOT have additional properties/);
    expect(check(200, { success: true, data: [{ ...first, organization_id: 7 }] })).toThrow(/must be string/);
    expect(check(200, { success: true, data: first })).toThrow(/must be array/);
    expect(check(200, { data: [first] })).toThrow(/must have required property 'success'/);
    expect(check(201, res.body)).toThrow(/does not list this status/);
    expect(check(404, { success: false })).toThrow(/does not list this status/);
    // Statuses outside 2xx/400/404 that a route does not list are not guessed at; listed ones are checked.
    expect(check(403, { success: false, statusCode: 403, message: 'x', detail: 'x' })).not.toThrow();
    expect(check(403, { success: false, statusCode: 403 })).toThrow(/required property 'message'/);
  });
});
