import fc from 'fast-check';
import type { Response, Test } from 'supertest';
import { createOrgFixture, OrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';
import {
  forbiddenCandidates,
  Param,
  queryText,
  queryValue,
  RequestOperation,
  requestOperations,
  Schema,
  SchemaReader,
} from './support/request-schema';

/**
 * The request side of the served OpenAPI document is exactly as strict as the server, proven both
 * ways for every operation, from the document alone (no per-route lists):
 * - values the document allows (generated from each operation's parameter and body schemas) are
 *   never refused with 400, nor answered with a 5xx: other answers (404 for an id that names no row,
 *   401 for a receiver's unconfigured source, 409) are business rules, not the request's shape;
 * - values it forbids (probes the document's own schema refuses, put one at a time into an
 *   otherwise allowed request: wrong types, bounds, lengths, patterns, formats, unknown or missing
 *   fields, null, both or neither of a oneOf) are refused with 400 (a path segment outside an enum,
 *   such as an unknown webhook source, names no resource: 404).
 */
const SOURCE_SECRETS: Record<string, string> = { instantly: TEST_INSTANTLY_SECRET, n8n: 'n8n-test-secret-0123456789' };
const RUNS = Number(process.env.SCHEMA_RUNS ?? 25);

interface Built {
  path: Record<string, string>;
  query: Record<string, unknown>;
  body?: unknown;
}

describe('request schemas are exactly as strict as the server', () => {
  let t: TestApp;
  let org: OrgFixture;
  let reader: SchemaReader;
  let ops: RequestOperation[];
  let uuids: string[];
  let sent = 0;

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '100000', EXPORT_MAX_PER_ORGANIZATION: '100', EXPORT_MAX_CONCURRENT: '100' });
    org = await createOrgFixture(t.owner, 'Schema', ['Schema campaign']);
    const doc = (await t.http().get('/api/docs-json')).body;
    reader = new SchemaReader(doc);
    ops = requestOperations(doc);
    uuids = [org.id, ...Object.values(org.users), ...org.campaigns.map((c) => c.id)];
  });
  afterAll(async () => {
    console.log(`request schemas: ${sent} requests over ${ops.length} operations`);
    await t.close();
  });

  function send(op: RequestOperation, r: Built): Test {
    let url = op.path;
    for (const [name, value] of Object.entries(r.path)) url = url.replace(`{${name}}`, encodeURIComponent(value));
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(r.query)) query.set(name, queryText(value) ?? JSON.stringify(value));
    const qs = query.toString();
    let req = (t.http() as unknown as Record<string, (u: string) => Test>)[op.method](qs ? `${url}?${qs}` : url);
    // An organization's owner where the route allows one (the caller most routes serve, its
    // organization implied), else a platform admin: a role the route refuses would be a 403 before
    // the request is read.
    if (op.security.includes('bearer')) req = req.set(org.as(op.roles.includes('owner') ? 'owner' : 'sb_admin'));
    if (op.security.includes('webhook_secret'))
      req = req.set('x-webhook-secret', SOURCE_SECRETS[r.path.source ?? 'instantly'] ?? 'unconfigured');
    if (r.body !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(r.body));
    sent++;
    return req;
  }

  const describeRequest = (op: RequestOperation, r: Built, res: Response) =>
    `${op.method.toUpperCase()} ${op.path} ${JSON.stringify(r).slice(0, 600)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;

  function allowed(op: RequestOperation): fc.Arbitrary<Built> {
    const params = (where: Param['in']) => op.params.filter((p) => p.in === where);
    const path = fc.record(Object.fromEntries(params('path').map((p) => [p.name, reader.arbitrary(p.schema, uuids)]))) as fc.Arbitrary<
      Record<string, string>
    >;
    const query = fc.record(Object.fromEntries(params('query').map((p) => [p.name, reader.arbitrary(p.schema, uuids)])), {
      requiredKeys: params('query')
        .filter((p) => p.required)
        .map((p) => p.name),
    });
    const body = op.body ? reader.arbitrary(op.body.schema, uuids) : fc.constant(undefined);
    return fc.record({ path, query, body: op.body && !op.body.required ? fc.option(body, { nil: undefined }) : body });
  }

  it('reads every operation of the document', () => {
    expect(ops.length).toBeGreaterThanOrEqual(40);
    expect(ops.filter((o) => o.body).length).toBeGreaterThanOrEqual(15);
    expect(ops.filter((o) => o.security.includes('bearer') && !o.roles.length).map((o) => o.path)).toEqual([]);
  });

  it('values the document allows are not refused for their shape', async () => {
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(allowed(op), async (r) => {
          const res = await send(op, r);
          if (res.status === 400 || res.status >= 500) throw new Error(`allowed request refused: ${describeRequest(op, r, res)}`);
        }),
        { numRuns: RUNS, seed: Number(process.env.SCHEMA_SEED ?? 20261207), endOnFailure: true },
      );
    }
  }, 600_000);

  it('values the document forbids are refused with 400', async () => {
    let probes = 0;
    for (const op of ops) {
      // An allowed request to start from: every field the schema has, so each can be made wrong.
      const [base] = fc.sample(allowed(op), { numRuns: 1, seed: 7 });
      const bad: { what: string; request: Built; expected?: number }[] = [];
      for (const p of op.params) {
        if (p.in === 'header') continue;
        for (const value of forbiddenCandidates(reader.resolve(p.schema))) {
          const text = queryText(value);
          if (text === undefined) continue;
          if (p.in === 'path' && text === '') continue; // an empty segment is another path, not a value
          if (reader.allows(p.schema, p.in === 'query' ? queryValue(reader.resolve(p.schema), text) : text)) continue;
          const request = { ...base, path: { ...base.path }, query: { ...base.query } };
          if (p.in === 'path') request.path[p.name] = text;
          else request.query[p.name] = text;
          // A path segment outside a path parameter's enum names no resource: 404, as the contract
          // fixes for an unknown webhook source; any other forbidden value is a 400.
          const expected = p.in === 'path' && reader.resolve(p.schema).enum ? 404 : 400;
          bad.push({ what: `${p.in} ${p.name} = ${JSON.stringify(text).slice(0, 40)}`, request, expected });
        }
      }
      if (op.body) bad.push(...forbiddenBodies(op.body.schema, op.body.required, base));
      for (const { what, request, expected = 400 } of bad) {
        const res = await send(op, request);
        probes++;
        if (res.status !== expected)
          throw new Error(`forbidden ${what} not refused with ${expected}: ${describeRequest(op, request, res)}`);
      }
    }
    console.log(`request schemas: ${probes} forbidden probes`);
    expect(probes).toBeGreaterThan(500);
  }, 600_000);

  /** Bodies the schema forbids: the whole body wrong, a field wrong, a field missing or unknown, a oneOf broken. */
  function forbiddenBodies(schema: Schema, required: boolean, base: Built): { what: string; request: Built }[] {
    const out: { what: string; request: Built }[] = [];
    const with_ = (what: string, body: unknown) => {
      if (body !== undefined && reader.allows(schema, body)) return;
      if (body === undefined && !required) return;
      out.push({ what: `body ${what}`, request: { ...base, body } });
    };
    const s = reader.resolve(schema);
    const baseBody = (base.body ?? {}) as Record<string, unknown>;
    with_('absent', undefined);
    for (const whole of [null, [], 'text', 5, true]) with_(`= ${JSON.stringify(whole)}`, whole);
    if (s.additionalProperties === false) with_('with an unknown field', { ...baseBody, unknown_field: 1 });
    for (const name of s.required ?? []) {
      const { [name]: _, ...rest } = baseBody;
      with_(`without ${name}`, rest);
    }
    for (const branch of s.oneOf ?? []) {
      // Every branch's fields at once, and none of them.
      const all = Object.fromEntries((s.oneOf ?? []).flatMap((b) => b.required ?? []).map((k) => [k, sampleOf(s.properties![k])]));
      with_(`with ${(branch.required ?? []).join()} and the others`, { ...baseBody, ...all });
    }
    if (s.oneOf)
      with_(
        'with none of the oneOf fields',
        Object.fromEntries(Object.entries(baseBody).filter(([k]) => !(s.oneOf ?? []).some((b) => b.required?.includes(k)))),
      );
    for (const [name, property] of Object.entries(s.properties ?? {})) {
      const p = reader.resolve(property);
      for (const value of forbiddenCandidates(p)) with_(`${name} = ${JSON.stringify(value).slice(0, 40)}`, { ...baseBody, [name]: value });
      // One level down (the bulk retry's filter): a nested field wrong.
      for (const [inner, innerSchema] of Object.entries(p.type === 'object' ? (p.properties ?? {}) : {})) {
        for (const value of forbiddenCandidates(reader.resolve(innerSchema))) {
          with_(`${name}.${inner} = ${JSON.stringify(value).slice(0, 40)}`, { ...baseBody, [name]: { [inner]: value } });
        }
      }
    }
    return out;
  }

  function sampleOf(schema: Schema): unknown {
    return fc.sample(reader.arbitrary(schema, uuids), { numRuns: 1, seed: 3 })[0];
  }
});
