import { INestApplication, Logger } from '@nestjs/common';
import { Express, Request, Response } from 'express';
import { errorBody, mapException } from '../common/http-exception.filter';
import { parseJsonBody, readBodyText } from '../common/http-setup';
import { sendJson } from '../common/json-express.adapter';
import { WebhookReceiverService } from './webhook-receiver.service';

/**
 * Answers `POST /api/webhooks/:source` with one route handler on Express's own router, mounted
 * before Nest's routes, so Nest's per-request pipeline (guards, interceptors, pipes, observables)
 * is skipped. Receipt is public (its own secret), needs no request transaction, CLS context or
 * DTO, and during an Instantly burst that pipeline was a third of the receiver's CPU. The source,
 * the secret and room in the ingest queue are checked before the body is read: a sender without
 * the secret never gets up to 1 MB parsed. The routes stay Nest's controller routes too
 * (documented in OpenAPI, same WebhookReceiverService), so the two cannot drift apart. Mount
 * before app.init(), which is when Nest adds its routes.
 */
export function registerWebhookFastPath(app: Express, nest: INestApplication, bodyLimit: number): void {
  const logger = new Logger('WebhookReceiver');
  // Resolved on first use: the module graph is complete only after app.init().
  let cached: WebhookReceiverService | undefined;
  const receiver = (): WebhookReceiverService => {
    cached ??= nest.get(WebhookReceiverService);
    return cached as WebhookReceiverService;
  };
  const readBody = readBodyText(bodyLimit);

  const fail = (err: unknown, req: Request, res: Response, source: string) => {
    const { status, message, retryAfterSeconds } = mapException(err, { method: req.method, url: req.originalUrl }, logger);
    receiver().countRejected(source, status);
    if (res.headersSent) return void res.destroy();
    if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
    // The body of a refused request is not read: the connection closes after the answer.
    if (!req.complete) res.setHeader('connection', 'close');
    sendJson(res, status, errorBody(status, message));
  };

  // One handler, every step a callback of the one before: authorize (headers only), read the
  // body, parse it, store it, answer.
  const receive = (req: Request, res: Response) => {
    const source = typeof req.params.source === 'string' ? req.params.source : 'instantly';
    req.routeTemplate = source === 'instantly' ? '/api/webhooks/instantly' : '/api/webhooks/:source';
    receiver()
      .authorize(source, req.headers['x-webhook-secret'])
      .then(
        (auth) =>
          readBody(req, res, (readErr?: unknown) => {
            if (readErr) return fail(readErr, req, res, source);
            let body: unknown;
            try {
              body = typeof req.body === 'string' ? parseJsonBody(req.body) : undefined;
            } catch (parseErr) {
              return fail(parseErr, req, res, source);
            }
            receiver()
              .accept(auth, body)
              .then((stored) => sendJson(res, 200, stored), (err: unknown) => fail(err, req, res, source));
          }),
        (err: unknown) => fail(err, req, res, source),
      );
  };
  app.post(['/api/webhooks/instantly', '/api/webhooks/:source'], receive);
}
