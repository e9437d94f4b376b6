import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
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
export async function createApp(config: AppConfig, embedded: boolean): Promise<INestApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxy(config.trustProxy),
    // Nest's router decides 404s; ids in paths are checked by the routes themselves.
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ config, embedded }), adapter, {
    bodyParser: false,
    logger: LEVELS[config.logLevel],
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestLogging(fastify, config);
  registerSecurityHeaders(fastify);
  registerBodyParsers(fastify, BODY_LIMIT_BYTES);
  registerWebhookFastPath(fastify, app);
  app.setGlobalPrefix('api');
  app.useGlobalPipes(createValidationPipe());
  // No enableShutdownHooks(): main.ts handles SIGINT/SIGTERM itself, to close the embedded
  // database after the app (Nest would re-raise the signal and exit before that finished).

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Salesbrain admin API')
      .setDescription(
        'Admin portal backend. Every /api/admin route needs `Authorization: Bearer <JWT>` (HS256) unless marked public; ' +
          'the route lists the roles that may call it, and PostgreSQL row-level security decides which rows they see. ' +
          'Errors: `{success: false, statusCode, message, detail}`.',
      )
      .setVersion('1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
