import fc from 'fast-check';
import { randomUUID } from 'crypto';
import { createOrgFixture, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

/**
 * Property-based fuzzing over every route in the OpenAPI document: random and boundary values for
 * every path, query and body field, wrong types, huge strings, unicode, SQL and CSV
 * metacharacters. Whatever comes in: no 5xx, no stack trace or SQL text in the body, and the
 * service is still healthy afterwards.
 */
type Op = {
  path: string;
  method: string;
  params: { name: string; in: string; schema?: { type?: string; enum?: unknown[]; format?: string } }[];
  body?: Record<string, { type?: string; enum?: unknown[]; format?: string; items?: unknown }>;
};

const NASTY = [
  "'",
  '"',
  "'; DROP TABLE webhook_log; --",
  '%',
  '_',
  '\\',
  '%_%',
  '=1+2',
  '@SUM(A1)',
  '-1',
  '+1',
  '\u0000',
  '\uFFFF',
  '😀🔥',
  'ℌ𝔢𝔩𝔩𝔬',
  '\r\n',
  '<script>alert(1)</script>',
  '\ud800',
  'lone \udfff low',
  'a\ud83d',
  '\udbff\udbff',
  '../../etc/passwd',
  'null',
  'undefined',
  'NaN',
  '1e309',
  '-0',
  ' ',
  '',
  'x'.repeat(5000),
  '0',
  '2147483648',
  '9999999999999999999',
  '2026-13-45',
  '00000000-0000-0000-0000-000000000000',
];

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** A URL cannot carry a lone surrogate: in a path it goes as the invalid UTF-8 bytes it would be, in a query as U+FFFD. */
const encodePathValue = (v: string) => v.split(LONE).map(encodeURIComponent).join('%ED%A0%80');
const wellFormed = (v: string) => v.replace(LONE, '\uFFFD');

const anyValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(...NASTY),
    fc.string({ maxLength: 300 }),
    fc.fullUnicodeString({ maxLength: 50 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uuid(),
    fc.array(fc.oneof(fc.uuid(), fc.string({ maxLength: 20 }), fc.integer()), { maxLength: 30 }),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 5 }),
    fc.date({ min: new Date(-8.64e15 / 2), max: new Date(8.64e15 / 2) }).map((d) => (Number.isNaN(d.getTime()) ? 'bad' : d.toISOString())),
  );

const forSchema = (s: { type?: string; enum?: unknown[]; format?: string } | undefined): fc.Arbitrary<unknown> => {
  const typed: fc.Arbitrary<unknown>[] = [];
  if (s?.enum) typed.push(fc.constantFrom(...s.enum));
  if (s?.format === 'uuid') typed.push(fc.uuid());
  if (s?.type === 'integer' || s?.type === 'number')
    typed.push(fc.oneof(fc.integer({ min: -2, max: 600 }), fc.constantFrom(0, 1, 100, 365, 366, 500, 501, 10000, -1)));
  if (s?.type === 'boolean') typed.push(fc.boolean());
  return typed.length ? fc.oneof({ weight: 2, arbitrary: fc.oneof(...typed) }, { weight: 1, arbitrary: anyValue() }) : anyValue();
};

function operations(doc: {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Op['params']; requestBody?: { content?: Record<string, { schema?: { $ref?: string; properties?: Op['body'] } }> } }
    >
  >;
  components?: { schemas?: Record<string, { properties?: Op['body'] }> };
}): Op[] {
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const ref = schema?.$ref?.split('/').pop();
      const body = ref ? doc.components?.schemas?.[ref]?.properties : schema?.properties;
      ops.push({ path, method, params: op.parameters ?? [], body: body ?? (op.requestBody ? {} : undefined) });
    }
  }
  return ops;
}

describe('fuzzing every route of the OpenAPI document', () => {
  let t: TestApp;
  let org: OrgFixture;
  let ops: Op[];
  let cases = 0;
  const statusCounts: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '100000' });
    org = await createOrgFixture(t.owner, 'Fuzz', ['Fuzz campaign']);
    ops = operations((await t.http().get('/api/docs-json')).body);
  });
  afterAll(async () => {
    console.log(`fuzzed ${cases} cases over ${ops.length} operations; statuses ${JSON.stringify(statusCounts)}`);
    await t.close();
  });

  it('covers every documented operation', () => {
    expect(ops.length).toBeGreaterThanOrEqual(35);
  });

  it('no 5xx, no stack trace or SQL in any body, for thousands of generated requests', async () => {
    const roles = [org.as('sb_admin'), org.as('owner'), org.as('member'), org.as('viewer'), { 'x-webhook-secret': TEST_INSTANTLY_SECRET }];
    for (const op of ops) {
      const arb = fc.record({
        path: fc.tuple(...op.params.filter((p) => p.in === 'path').map((p) => forSchema(p.schema)), fc.constant(0)),
        query: fc.tuple(
          ...op.params.filter((p) => p.in === 'query').map((p) => fc.option(forSchema(p.schema), { nil: undefined })),
          fc.constant(0),
        ),
        body: op.body
          ? fc.oneof(
              fc.tuple(...Object.values(op.body).map((s) => fc.option(forSchema(s), { nil: undefined })), fc.constant(0)).map((vals) =>
                Object.fromEntries(
                  Object.keys(op.body!)
                    .map((k, i) => [k, vals[i]])
                    .filter(([, v]) => v !== undefined),
                ),
              ),
              anyValue(),
            )
          : fc.constant(undefined),
        headers: fc.constantFrom(...roles),
        extraQuery: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 }), {
          nil: undefined,
        }),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ path, query, body, headers, extraQuery }) => {
          const pathParams = op.params.filter((p) => p.in === 'path');
          let url = op.path;
          pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, encodePathValue(String(path[i])))));
          const q: Record<string, string> = {};
          op.params
            .filter((p) => p.in === 'query')
            .forEach((p, i) => {
              if (query[i] !== undefined) q[p.name] = wellFormed(typeof query[i] === 'string' ? query[i] : JSON.stringify(query[i]));
            });
          Object.assign(q, extraQuery ?? {});
          let req = (t.http() as unknown as Record<string, (u: string) => import('supertest').Test>)[op.method](url).query(q).set(headers);
          if (body !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(body));
          const res = await req;
          cases++;
          statusCounts[res.status] = (statusCounts[res.status] ?? 0) + 1;
          const text = res.text ?? '';
          if (res.status >= 500 || /\bat \S+ \(|node_modules|QueryFailedError|SELECT .* FROM|INSERT INTO|syntax error at/.test(text)) {
            throw new Error(
              `${op.method.toUpperCase()} ${url}?${new URLSearchParams(q).toString()} → ${res.status}: ${text.slice(0, 300)}`,
            );
          }
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 100), seed: Number(process.env.FUZZ_SEED ?? 20261125), endOnFailure: true },
      );
    }
    expect(cases).toBeGreaterThan(2000);
    const health = await t.http().get('/api/health');
    expect(health.status).toBe(200);
    const still = await t.http().get('/api/admin/campaigns/filter').set(org.as('owner'));
    expect(still.body.data.map((c: { name: string }) => c.name)).toEqual(['Fuzz campaign']);
  }, 600_000);

  it('raw bodies PostgreSQL or a recursive parser would choke on (lone surrogates, deep nesting, huge numbers): never a 5xx', async () => {
    const deep = (open: string, close: string, n: number) => open.repeat(n) + '1' + close.repeat(n);
    const RAW = [
      '{"event_type":"email_sent","note":"\\ud800","lead_email":"x\\udfff@y.example"}',
      '{"\\udc00":1,"event_type":"\\udbff","name":"\\ud800","organization_id":"\\ud800"}',
      deep('{"a":', '}', 5000),
      deep('[', ']', 5000),
      `{"event_type":"x","p":${deep('[', ']', 65)}}`,
      '{"event_type":"email_sent","limit":1e400,"current_step":123456789012345678901234567890,"progress_percentage":-1e309,"expiration_days":1e-400}',
      `{"event_type":"email_sent","n":${'9'.repeat(10000)}}`,
      '{"event_type":"email_sent","step":NaN}',
    ];
    const roles = [org.as('sb_admin'), org.as('owner'), { 'x-webhook-secret': TEST_INSTANTLY_SECRET }];
    const token = (await t.http().post('/api/admin/onboarding/create-link').set(org.as('owner')).send({ organization_id: org.id })).body
      .data.link_token;
    for (const op of ops.filter((o) => o.body !== undefined)) {
      const url = op.path
        .replace(/\{token\}/, token)
        .replace(/\{source\}/, 'n8n')
        .replace(/\{[^}]+\}/g, randomUUID());
      for (const raw of RAW) {
        for (const headers of roles) {
          const res = await (t.http() as unknown as Record<string, (u: string) => import('supertest').Test>)
            [op.method](url)
            .set(headers)
            .set('Content-Type', 'application/json')
            .send(raw);
          cases++;
          statusCounts[res.status] = (statusCounts[res.status] ?? 0) + 1;
          if (res.status >= 500 || /\bat \S+ \(|node_modules|QueryFailedError|SELECT .* FROM|INSERT INTO/.test(res.text ?? '')) {
            throw new Error(
              `${op.method.toUpperCase()} ${url} with ${raw.slice(0, 60)} → ${res.status}: ${(res.text ?? '').slice(0, 300)}`,
            );
          }
        }
      }
    }
    // What the receivers accepted was stored, lone surrogates replaced.
    const stored = await t.owner.query(`SELECT count(*)::int n FROM webhook_log WHERE payload ->> 'note' = '\uFFFD'`);
    expect(stored.rows[0].n).toBe(1);
    expect((await t.http().get('/api/health')).status).toBe(200);
  }, 300_000);

  it('unknown routes and methods under every prefix are 404, not 500', async () => {
    for (const path of [
      '/api/admin/webhooks/logs/x/y/z',
      `/api/admin/users/${randomUUID()}/nothing`,
      '/api/webhooks',
      '/api/admin/onboarding/o',
    ]) {
      const res = await t.http().patch(path).set(org.as('sb_admin')).send({});
      expect(res.status).toBe(404);
    }
  });
});
