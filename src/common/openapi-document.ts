import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { EXACTLY_ONE_OF } from './api-fields';
import { ErrorBodyDto } from './error-body.dto';

/** The receivers' credential: the `x-webhook-secret` header. */
export const WEBHOOK_SECRET_SCHEME = 'webhook_secret';

/** Every tag an operation uses, described once (a tag used without a description here fails the document's lint). */
const TAGS: Record<string, string> = {
  Health: 'Liveness and database status',
  Organizations: 'Customer organizations (platform roles)',
  Users: 'Users of an organization',
  Campaigns: 'Campaigns and the portal’s campaign filter',
  'Webhooks (receivers)': 'Public endpoints the senders post events to, each behind its secret',
  'Webhooks (credentials)': 'An organization’s own Instantly webhook credential',
  'Webhook logs': 'Every stored event: search, detail, retry, export, statistics, cleanup',
  Assignments: 'Users to campaigns and contacts to users: by hand, round robin or lead score',
  'Onboarding links': 'Onboarding links with secure tokens (admin side)',
  'Onboarding (public)': 'What an onboarding link’s holder reaches with its token alone',
  Dashboard: 'Counts and recent activity for the portal’s home page',
  'Personal data': 'A lead’s personal data on request: subject access and erasure (GDPR Art. 15 and 17)',
};

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBodyDto) } } },
});

/**
 * A default applied by the server is documented in words, not as `default`: generators such as
 * openapi-typescript turn a property with a default into a required one, and a portal's request
 * would then have to send what the server fills in. (Query parameters keep theirs.)
 */
function defaultsInWords(document: OpenAPIObject): void {
  for (const schema of Object.values(document.components?.schemas ?? {}) as { properties?: Record<string, Record<string, unknown>> }[]) {
    for (const property of Object.values(schema.properties ?? {})) {
      if (property.default === undefined) continue;
      const said = `Default: ${JSON.stringify(property.default)}.`;
      property.description = typeof property.description === 'string' && property.description ? `${property.description} ${said}` : said;
      delete property.default;
    }
  }
}

/**
 * The OpenAPI document the portal generates its client from. Besides what the decorators say, the
 * answers every route of a kind can give are added here once, so no route can forget them: a body
 * over 1 MB (413) wherever there is a body, a body that is not JSON (415) on the admin routes, and
 * `security: []` on the public routes (no JWT); request fields' server-side defaults are described.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Salesbrain admin API')
      .setDescription(
        'Admin portal backend. Every /api/admin route needs `Authorization: Bearer <JWT>` (HS256) unless marked public; ' +
          'the route lists the roles that may call it, and PostgreSQL row-level security decides which rows they see. ' +
          'Success: `{success: true, data}` (a few writes answer flat, as the contract fixes). ' +
          'Errors: `{success: false, statusCode, message, detail}`.',
      )
      .setVersion('1.0')
      .setLicense('Proprietary, Salesbrain', 'https://salesbrain.com')
      .addServer('/', 'This service')
      .addBearerAuth()
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'x-webhook-secret',
          description:
            'The receivers’ secret: INSTANTLY_WEBHOOK_SECRET or WEBHOOK_SECRET_<SOURCE>, or (Instantly) an organization’s own ' +
            'credential from POST /api/admin/organizations/{id}/webhook-credential. Missing or wrong: 401, nothing stored.',
        },
        WEBHOOK_SECRET_SCHEME,
      )
      .build(),
    { extraModels: [ErrorBodyDto] },
  );
  defaultsInWords(document);
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const requestModels = new Set<string>();
  const used = new Set<string>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const op of Object.values(methods) as Operation[]) {
      if (!op.security) op.security = [];
      for (const tag of op.tags ?? []) used.add(tag);
      if (op.requestBody) {
        op.responses['413'] ??= error('Request body over 1 MB');
        if (!path.startsWith('/api/webhooks/')) op.responses['415'] ??= error('Request body is not application/json');
        const body = op.requestBody.content?.['application/json']?.schema;
        const model = refName(body);
        if (model) collectModels(schemas, model, requestModels);
        // A body whose fields are all optional may be left out (the server reads it as {}).
        if (model && !schemas[model]?.required?.length && !EXACTLY_ONE_OF.has(model)) op.requestBody.required = false;
      }
    }
  }
  strictRequestModels(schemas, requestModels);
  for (const schema of Object.values(schemas)) nullableReferences(schema);
  document.openapi = '3.0.3';
  document.tags = [...used].sort().map((name) => {
    if (!TAGS[name]) throw new Error(`OpenAPI tag "${name}" has no description in openapi-document.ts`);
    return { name, description: TAGS[name] };
  });
  return document;
}

interface Operation {
  security?: unknown[];
  tags?: string[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
}

function refName(schema: unknown): string | undefined {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  return typeof ref === 'string' ? ref.replace('#/components/schemas/', '') : undefined;
}

/** The model and every model its properties refer to. */
function collectModels(schemas: Record<string, Schema>, name: string, into: Set<string>): void {
  if (into.has(name) || !schemas[name]) return;
  into.add(name);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const ref = refName(v);
      if (ref) collectModels(schemas, ref, into);
      Object.values(v).forEach(visit);
    }
  };
  visit(schemas[name].properties);
}

/**
 * Request models as strict as the validation pipe: no property beyond the declared ones (the pipe
 * refuses them: forbidNonWhitelisted), and `oneOf` where exactly one of some fields is required.
 */
function strictRequestModels(schemas: Record<string, Schema>, names: Set<string>): void {
  for (const name of names) {
    const schema = schemas[name];
    schema.additionalProperties = false;
    const oneOf = EXACTLY_ONE_OF.get(name);
    if (oneOf) schema.oneOf = oneOf.map((field) => ({ required: [field] }));
  }
}

/**
 * `nullable: true` beside `allOf: [$ref]` adds null only under a loose reading of OpenAPI 3.0.3
 * (nullable applies to a `type` in the same schema object). Written instead as a choice between the
 * model and a schema that is exactly null, which every reading accepts.
 */
function nullableReferences(schema: Schema): void {
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const allOf = property.allOf as unknown[] | undefined;
    if (!property.nullable || !Array.isArray(allOf) || allOf.length !== 1 || !refName(allOf[0])) continue;
    const { allOf: _, nullable: __, type: ___, ...rest } = property;
    schema.properties![key] = { ...rest, anyOf: [allOf[0], { type: 'object', nullable: true, enum: [null] }] };
  }
}
