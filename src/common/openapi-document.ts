import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorBodyDto } from './error-body.dto';

const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBodyDto) } } } });

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
      .build(),
    { extraModels: [ErrorBodyDto] },
  );
  // A default applied by the server is documented in words, not as `default`: generators such as
  // openapi-typescript turn a property with a default into a required one, and a portal's request
  // would then have to send what the server fills in. (Query parameters keep theirs.)
  for (const schema of Object.values(document.components?.schemas ?? {}) as { properties?: Record<string, Record<string, unknown>> }[]) {
    for (const property of Object.values(schema.properties ?? {})) {
      if (property.default === undefined) continue;
      const said = `Default: ${JSON.stringify(property.default)}.`;
      property.description = property.description ? `${String(property.description)} ${said}` : said;
      delete property.default;
    }
  }
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const op of Object.values(methods) as { security?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }[]) {
      if (!op.security) op.security = [];
      if (op.requestBody) {
        op.responses['413'] ??= error('Request body over 1 MB');
        if (!path.startsWith('/api/webhooks/')) op.responses['415'] ??= error('Request body is not application/json');
      }
    }
  }
  return document;
}
