import { INestApplication, LogLevel } from '@nestjs/common';
import type { Server } from 'http';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { JsonExpressAdapter } from './http/json-express.adapter';
import { SwaggerModule } from '@nestjs/swagger';
import { buildOpenApiDocument } from './common/openapi-document';
import { AppModule } from './app.module';
import { AppMetrics } from './observability/app-metrics';
import { configureExpress, FrontRequest, MethodTable, originForm, registerBodyParsers, requestHandling } from './http/http-setup';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { bearerToken, tokenRules, verifyToken } from './auth/jwt';
import { webhookFastPath } from './http/webhook-receiver.fast-path';
import { secretMatches } from './common/secrets';
import type { NextFunction, Request, Response } from 'express';
import { CREDENTIAL_RE, WebhookCredentialsService } from './webhooks/webhook-credentials.service';

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** Public routes that take a body without a token: the receivers (answered by the front) and an onboarding link's progress. */
const PUBLIC_BODY_PATH = /^\/api\/(webhooks\/|admin\/onboarding\/o\/)/i;

const RECEIVER_PATH = /^\/api\/webhooks\//i;

/** A configured source secret. */
function mayBeReceiverSecret(presented: unknown, config: AppConfig): boolean {
  if (typeof presented !== 'string') return false;
  return Object.values(config.webhookSecrets).some((secret) => secret !== undefined && secretMatches(presented, secret));
}

/**
 * Receipt through the stock pipeline (WEBHOOK_RECEIPT_FRONT=false): a presented organization's
 * credential is looked up before the body gate (in memory, WebhookCredentialsService.ownerOf), as
 * the edge looks it up before reading, so a wrong one gets its 401 without the body being read.
 * Calls back with the requests whose credential is known.
 */
function receiverCredentialLookup(app: INestApplication, known: WeakSet<Request>) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const presented = req.headers['x-webhook-secret'];
    if (!RECEIVER_PATH.test(req.path) || typeof presented !== 'string' || !CREDENTIAL_RE.test(presented)) return next();
    app
      .get(WebhookCredentialsService)
      .ownerOf(presented)
      .then((owner) => {
        if (owner) known.add(req);
        next();
      }, next);
  };
}

/** 1 MB, the contract's webhook limit; the largest admin body (10,000 ids) is well under it. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Builds the whole HTTP application on Express; used by main.ts, the e2e tests and the benchmarks
 * alike. Call app.init() (or listen) before serving.
 */
export async function createApp(config: AppConfig, embedded: boolean, options: { preview?: boolean } = {}): Promise<INestApplication> {
  const adapter = new JsonExpressAdapter();
  const metrics = new AppMetrics();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register({ config, embedded, metrics }), adapter, {
    bodyParser: false,
    // app.close() ends idle keep-alive connections instead of waiting for their clients.
    forceCloseConnections: true,
    logger: LEVELS[config.logLevel],
    // Preview: modules and routes only, no provider instantiated (the OpenAPI CLI needs no database).
    preview: options.preview ?? false,
  });
  // Every request first gets the request handling (headers, id, metrics, log line); the webhook
  // receivers are answered there too, by their own router, before the Express application.
  const handle = requestHandling(config, metrics);
  const receivers = config.webhookReceiptFront ? webhookFastPath(app, BODY_LIMIT_BYTES) : null;
  adapter.setFront((req, res, next) => {
    originForm(req);
    handle(req as FrontRequest, res);
    if (receivers) receivers(req as FrontRequest, res, next);
    else next();
  });
  // A client that never finishes its headers or body, or keeps an idle connection, does not hold it
  // for Node's defaults (300 s for a request); and an instance holds at most so many connections.
  // Node checks the request and header timeouts every 30 s (connectionsCheckingInterval).
  const server = app.getHttpServer() as Server | undefined;
  if (server) {
    server.requestTimeout = config.httpRequestTimeoutMs;
    server.headersTimeout = Math.min(config.httpHeadersTimeoutMs, config.httpRequestTimeoutMs);
    server.keepAliveTimeout = config.httpKeepAliveTimeoutMs;
    server.maxConnections = config.httpMaxConnections;
  }
  // Order matters: Express runs these before Nest's routes, which app.init() adds after them.
  const express = app.getHttpAdapter().getInstance();
  configureExpress(express, config);
  // 405 for a method a documented path does not have, before any body is read.
  const methods = new MethodTable();
  express.use(methods.middleware);
  // A body is read only for a documented path, and for a route that needs a token, only with a
  // token the guard will accept (the guard still decides; this only spares strangers the read).
  const rules = tokenRules(config);
  const knownCredential = new WeakSet<Request>();
  // With the front on, receipt never reaches the application: no lookup on the portal's requests.
  if (!config.webhookReceiptFront) express.use(receiverCredentialLookup(app, knownCredential));
  registerBodyParsers(express, BODY_LIMIT_BYTES, (req) => {
    if (!methods.knows(req.path)) return false;
    // Receipt through the stock pipeline (WEBHOOK_RECEIPT_FRONT=false): no body without a secret
    // that is right, as the edge refuses before reading.
    if (RECEIVER_PATH.test(req.path)) return knownCredential.has(req) || mayBeReceiverSecret(req.headers['x-webhook-secret'], config);
    if (PUBLIC_BODY_PATH.test(req.path)) return true;
    const token = bearerToken(req.headers.authorization);
    if (!token) return false;
    try {
      verifyToken(config.jwtSecret, token, rules);
      return true;
    } catch {
      return false;
    }
  });
  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  app.useGlobalPipes(createValidationPipe());
  // No enableShutdownHooks(): main.ts handles SIGINT/SIGTERM itself, to close the embedded
  // database after the app (Nest would re-raise the signal and exit before that finished).

  const document = buildOpenApiDocument(app);
  methods.load(document.paths as Record<string, Record<string, unknown>>);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
