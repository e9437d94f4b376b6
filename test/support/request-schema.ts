import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

/**
 * The request side of the served OpenAPI document, read generically: for every operation, its
 * parameters and body as JSON Schema, an arbitrary (fast-check) of values the schema allows, and
 * values it forbids, each checked against the schema itself by ajv (so a "forbidden" probe is one the
 * document really forbids, and an "allowed" sample one it really allows).
 */
export type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

export interface RequestOperation {
  method: string;
  path: string;
  params: Param[];
  body?: { required: boolean; schema: Schema };
  security: string[];
  /** The token roles the operation's description lists ("Roles: a, b."). */
  roles: string[];
}

interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Param[];
        requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
        security?: Record<string, unknown>[];
        description?: string;
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

export function requestOperations(doc: Doc): RequestOperation[] {
  const ops: RequestOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method,
        path,
        params: op.parameters ?? [],
        body: schema ? { required: op.requestBody?.required !== false, schema } : undefined,
        security: (op.security ?? []).flatMap((s) => Object.keys(s)),
        roles: /Roles: ([^.]+)\./.exec(op.description ?? '')?.[1].split(', ') ?? [],
      });
    }
  }
  return ops;
}

/** Reads the document's schemas: `$ref`s resolved, OpenAPI 3.0's nullable as JSON Schema. */
export class SchemaReader {
  private readonly ajv = new Ajv({ strict: false, allErrors: false });
  private readonly compiled = new Map<Schema, ValidateFunction>();

  constructor(private readonly doc: Doc) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: toJsonSchema(doc.components ?? {}) });
  }

  resolve(schema: Schema): Schema {
    let s = schema;
    while (s.$ref) s = this.doc.components!.schemas![s.$ref.replace('#/components/schemas/', '')];
    if (s.allOf?.length === 1 && !s.properties) return { ...this.resolve(s.allOf[0]), ...(s.nullable ? { nullable: true } : {}) };
    return s;
  }

  /** Does the schema allow the value? */
  allows(schema: Schema, value: unknown): boolean {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.compiled.set(schema, validate);
    }
    return validate(value);
  }

  /** Values the schema allows. `uuids` are ids worth using besides random ones (existing rows). */
  arbitrary(schema: Schema, uuids: string[], depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const values = this.nonNull(s, uuids, depth);
    return s.nullable ? fc.oneof(values, fc.constant(null)) : values;
  }

  private nonNull(s: Schema, uuids: string[], depth: number): fc.Arbitrary<unknown> {
    if (s.type === 'object') return this.object(s, uuids, depth);
    if (s.anyOf || s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf)!.map((x) => this.arbitrary(x, uuids, depth)));
    if (s.enum) return fc.constantFrom(...s.enum.filter((v) => v !== null));
    switch (s.type) {
      case 'integer':
        return fc.integer({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6 });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(this.arbitrary(s.items ?? {}, uuids, depth + 1), {
          minLength: s.minItems ?? 0,
          maxLength: Math.min(s.maxItems ?? 5, (s.minItems ?? 0) + 5),
        });
      case 'object':
        return this.object(s, uuids, depth);
      case 'string':
        return this.string(s, uuids);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private string(s: Schema, uuids: string[]): fc.Arbitrary<string> {
    if (s.format === 'uuid')
      return fc.oneof(
        fc.uuid(),
        fc.uuid().map((u) => u.toUpperCase()),
        ...(uuids.length ? [fc.constantFrom(...uuids)] : []),
      );
    const min = s.minLength ?? 0;
    const max = s.maxLength ?? 1000;
    const fits = (v: string) => [...v].length >= min && [...v].length <= max;
    if (s.pattern) {
      const re = new RegExp(s.pattern);
      // A pattern that says only what text may not contain takes any text; otherwise text it matches.
      const base = /^\^\[\^[^\]]+\]\*\$$/.test(s.pattern)
        ? fc.oneof(fc.string({ maxLength: max }), fc.fullUnicodeString({ maxLength: Math.min(max, 40) }))
        : fc.stringMatching(re);
      return base.filter((v) => re.test(v) && fits(v));
    }
    return fc.string({ minLength: min, maxLength: Math.min(max, 300) }).filter(fits);
  }

  private object(s: Schema, uuids: string[], depth: number): fc.Arbitrary<Record<string, unknown>> {
    const props = s.properties ?? {};
    // `oneOf` of required-only branches: exactly one branch's field is present.
    const branches = (s.oneOf ?? []).map((b) => b.required ?? []);
    const make = (required: string[], absent: string[]) => {
      const keys = Object.keys(props).filter((k) => !absent.includes(k));
      const record = fc.record(Object.fromEntries(keys.map((k) => [k, this.arbitrary(props[k], uuids, depth + 1)])), {
        requiredKeys: required.filter((k) => keys.includes(k)),
      });
      if (s.additionalProperties !== true || depth > 0) return record;
      // Any other JSON field (a webhook body): names and values of every kind.
      const extra = fc.dictionary(
        fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in props)),
        fc.jsonValue({ maxDepth: 3 }),
        { maxKeys: 6 },
      );
      return fc.tuple(record, extra).map(([r, e]) => ({ ...e, ...r }));
    };
    if (!branches.length) return make(s.required ?? [], []);
    return fc.oneof(...branches.map((own, i) => make([...(s.required ?? []), ...own], branches.filter((_, j) => j !== i).flat())));
  }
}

/** Probe values: each is kept for a schema only when the schema forbids it. */
export function forbiddenCandidates(s: Schema): unknown[] {
  const out: unknown[] = [null, true, 'true', 0, -1, 2.5, '', ' ', 'x', 'not-a-uuid', 'a\u0000b', {}, [], ['x'], { unknown_field: 1 }];
  if (s.minLength) out.push('a'.repeat(s.minLength - 1));
  if (s.maxLength !== undefined) out.push('a'.repeat(s.maxLength + 1), '7'.repeat(s.maxLength + 1));
  if (s.minimum !== undefined) out.push(s.minimum - 1, s.minimum + 0.5, String(s.minimum));
  if (s.maximum !== undefined) out.push(s.maximum + 1);
  if (s.type === 'integer') out.push(1e21, '5', '0x10');
  if (s.format === 'uuid') out.push('00000000-0000-0000-0000-00000000000', '0', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz');
  if (s.pattern)
    out.push(
      '2026-02-30',
      '2026-13-01',
      '2025-02-29',
      '0000-01-01',
      '2026-01-01T24:00',
      '2026-01-01T10:00+24:00',
      'no',
      'a'.repeat(15),
      'a b c d e f g h i j',
    );
  if (s.enum) out.push('not-one-of-them', String(s.enum[0]).toUpperCase());
  if (s.maxItems !== undefined)
    out.push(Array.from({ length: s.maxItems + 1 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
  if (s.type === 'array') out.push(['not-a-uuid'], [1]);
  return out;
}

/** How a query string carries a value the schema describes: its text, or undefined when it cannot. */
export function queryText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** The value a query's text stands for under a schema (integers and booleans as OpenAPI serializes them). */
export function queryValue(schema: Schema, text: string): unknown {
  if (schema.type === 'integer' || schema.type === 'number') return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (schema.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/** OpenAPI 3.0 schema to JSON Schema for ajv: references under the `openapi` id, nullable as a null alternative. */
function toJsonSchema(value: unknown): unknown {
  const text = JSON.stringify(value).replace(/"#\/components\//g, '"openapi#/components/');
  return nullable(JSON.parse(text));
}

function nullable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(nullable);
  if (!v || typeof v !== 'object') return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, nullable(x)])) as Record<string, unknown>;
  if (o.nullable === true) {
    delete o.nullable;
    if (Array.isArray(o.enum) && o.type === undefined) return o;
    return { anyOf: [o, { type: 'null' }] };
  }
  return o;
}
