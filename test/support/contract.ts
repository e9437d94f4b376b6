import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { appendFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Response } from 'supertest';

/**
 * The portal's contract, checked on every answer the tests see: each JSON response of a supertest
 * call is validated against the OpenAPI document the app itself serves (ajv, `$ref`s resolved
 * against the document's components). A 2xx, 400 or 404 that the operation does not list fails the
 * test, as does a body that does not match the schema of its status. Schemas are compiled once per
 * operation and status.
 */
type Schema = Record<string, unknown>;
interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: Record<string, unknown>;
}
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/** Statuses the document must list whenever the service answers them. */
const MUST_BE_DOCUMENTED = (status: number) => (status >= 200 && status < 300) || status === 400 || status === 404;

export class ContractViolation extends Error {}

export class ContractChecker {
  private readonly ajv: Ajv;
  private readonly operations: Operation[];
  private readonly compiled = new Map<string, ValidateFunction>();
  checked = 0;
  /** Time spent checking (compiling included), ms. */
  elapsedMs = 0;

  constructor(doc: OpenApiDoc) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // The document's components under one id, so every `#/components/...` reference resolves.
    // A model's answer carries exactly its documented fields: none missing (required) and none
    // undocumented (additionalProperties false), except the envelope, which allOf composes.
    const components = rewriteRefs(doc.components ?? {}) as { schemas?: Record<string, Schema> };
    for (const [name, schema] of Object.entries(components.schemas ?? {})) {
      if (name !== 'EnvelopeDto' && schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
    }
    this.ajv.addSchema({ $id: 'openapi', components });
    this.operations = [];
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const params = (template.match(/\{[^}]+\}/g) ?? []).length;
        const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}/?$`);
        this.operations.push({ method, template, pattern, params, responses: op.responses ?? {} });
      }
    }
    // A literal path wins over a templated one (`/logs/export` before `/logs/{id}`).
    this.operations.sort((a, b) => a.params - b.params);
  }

  /** The operation a request reached, or undefined for a route the document does not have. */
  operationFor(method: string, path: string): Operation | undefined {
    const m = method.toLowerCase();
    return this.operations.find((o) => o.method === m && o.pattern.test(path));
  }

  /** Throws a ContractViolation when the answer is not what the document says. */
  check(method: string, url: string, status: number, contentType: string | undefined, body: unknown): void {
    const started = process.hrtime.bigint();
    try {
      this.checkNow(method, url, status, contentType, body);
    } finally {
      this.elapsedMs += Number(process.hrtime.bigint() - started) / 1e6;
    }
  }

  private checkNow(method: string, url: string, status: number, contentType: string | undefined, body: unknown): void {
    const path = new URL(url, 'http://x').pathname;
    const op = this.operationFor(method, path);
    if (!op) return;
    const where = `${method.toUpperCase()} ${op.template} → ${status}`;
    const documented = op.responses[String(status)];
    if (!documented) {
      if (MUST_BE_DOCUMENTED(status)) throw new ContractViolation(`${where}: the OpenAPI document does not list this status`);
      return;
    }
    if (!contentType?.includes('application/json')) return;
    const schema = documented.content?.['application/json']?.schema;
    if (!schema) {
      if (MUST_BE_DOCUMENTED(status)) throw new ContractViolation(`${where}: the document gives no JSON schema for this answer`);
      return;
    }
    const key = `${op.method} ${op.template} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(schema) as Schema);
      this.compiled.set(key, validate);
    }
    this.checked++;
    if (!validate(body)) {
      const errors = (validate.errors ?? [])
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; ');
      throw new ContractViolation(`${where}: the answer does not match the document: ${errors}\n${JSON.stringify(body).slice(0, 500)}`);
    }
  }

  /** Checks a supertest response. */
  checkResponse(method: string, res: Response): void {
    const req = (res as unknown as { req?: { path?: string } }).req;
    this.check(method, req?.path ?? '', res.status, res.headers['content-type'], res.body);
  }
}

/** The document's schemas as JSON Schema for ajv: references under the `openapi` id, OpenAPI 3.0's `nullable` as `anyOf` with null. */
function rewriteRefs(value: unknown): unknown {
  return nullableToAnyOf(JSON.parse(JSON.stringify(value).replace(/"#\/components\//g, '"openapi#/components/')));
}

function nullableToAnyOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableToAnyOf);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = nullableToAnyOf(v);
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/** How many answers this test file had checked, and in how long; summed up by the global teardown. */
export function recordChecked(checker: ContractChecker): void {
  const db = process.env.SALESBRAIN_TEST_DB;
  if (db && checker.checked > 0) appendFileSync(join(tmpdir(), `${db}.contract`), `${checker.checked} ${checker.elapsedMs.toFixed(1)}\n`);
}
