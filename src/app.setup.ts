import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { mountWebhookFastPath } from './webhooks/webhook-receiver.fast-path';

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** 1 MB, the contract's webhook limit; the largest admin body (10,000 ids) is well under it. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the whole HTTP application; used by main.ts, the e2e tests and the benchmarks alike. */
export async function createApp(config: AppConfig, embedded: boolean): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register({ config, embedded }), {
    bodyParser: false,
    logger: LEVELS[config.logLevel],
  });
  app.set('trust proxy', /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);
  app.use(helmet());
  // Webhook senders do not always label their JSON, so parse any content type there.
  app.use('/api/webhooks', express.json({ limit: BODY_LIMIT_BYTES, type: () => true }));
  app.use(express.json({ limit: BODY_LIMIT_BYTES }));
  mountWebhookFastPath(app);
  app.setGlobalPrefix('api');
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

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
