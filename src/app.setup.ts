import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { errorBody } from './common/http-exception.filter';
import { buildOpenApiDocument } from './common/openapi-document';
import { AppModule } from './app.module';
import { AppMetrics } from './metrics/app-metrics';
import { registerBodyParsers, registerRequestLogging, registerSecurityHeaders } from './common/fastify-setup';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { registerWebhookFastPath } from './webhooks/webhook-receiver.fast-path';

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** 1 MB, the contract's webhook limit; the largest admin body (10,000 ids) is well under it. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

function trustProxy(value: string): boolean | number | string {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/**
 * Builds the whole HTTP application on Fastify; used by main.ts, the e2e tests and the benchmarks
 * alike. Call app.init() (or listen) before serving.
 */
export async function createApp(config: AppConfig, embedded: boolean, options: { preview?: boolean } = {}): Promise<INestApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxy(config.trustProxy),
    // Nest's router decides 404s; ids in paths are checked by the routes themselves.
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    // Errors Fastify answers itself (a malformed URL) get the contract's error body too.
    frameworkErrors: (error: { statusCode?: number }, _req: unknown, reply: FastifyReply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void reply.code(status).send(errorBody(status, 'the request could not be read: malformed URL or header'));
    },
  });
  const metrics = new AppMetrics();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ config, embedded, metrics }), adapter, {
    bodyParser: false,
    logger: LEVELS[config.logLevel],
    // Preview: modules and routes only, no provider instantiated (the OpenAPI CLI needs no database).
    preview: options.preview ?? false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestLogging(fastify, config, metrics);
  registerSecurityHeaders(fastify);
  registerBodyParsers(fastify, BODY_LIMIT_BYTES);
  registerWebhookFastPath(fastify, app);
  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  app.useGlobalPipes(createValidationPipe());
  // No enableShutdownHooks(): main.ts handles SIGINT/SIGTERM itself, to close the embedded
  // database after the app (Nest would re-raise the signal and exit before that finished).

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
