import { INestApplication, Logger } from '@nestjs/common';
import { Express, NextFunction, Request, Response, Router } from 'express';
import { errorBody, mapException } from '../common/http-exception.filter';
import { parseJsonBody, readBodyText } from '../common/http-setup';
import { sendJson } from '../common/json-express.adapter';
import { ReceiverAuth, WebhookReceiverService } from './webhook-receiver.service';

const AUTH = Symbol('webhookAuth');
type WithAuth = Request & { [AUTH]?: ReceiverAuth };

/**
 * Answers `POST /api/webhooks/:source` with Express's own router, mounted before Nest's, so Nest's
 * per-request pipeline (guards, interceptors, pipes, observables) is skipped. Receipt is public
 * (its own secret), needs no request transaction, CLS context or DTO, and during an Instantly
 * burst that pipeline was a third of the receiver's CPU. The source, the secret and room in the
 * ingest queue are checked before the body is read: a sender without the secret never gets up to
 * 1 MB parsed. The routes stay Nest's controller routes too (documented in OpenAPI, same
 * WebhookReceiverService), so the two cannot drift apart. Mount before app.init(), which is when
 * Nest adds its routes.
 */
export function registerWebhookFastPath(app: Express, nest: INestApplication, bodyLimit: number): void {
  const logger = new Logger('WebhookReceiver');
  // Resolved on first use: the module graph is complete only after app.init().
  let cached: WebhookReceiverService | undefined;
  const receiver = (): WebhookReceiverService => {
    cached ??= nest.get(WebhookReceiverService);
    return cached as WebhookReceiverService;
  };
  const fail = (err: unknown, req: Request, res: Response) => {
    const { status, message, retryAfterSeconds } = mapException(err, { method: req.method, url: req.originalUrl }, logger);
    receiver().countRejected(String(req.params.source ?? 'instantly'), status);
    if (res.headersSent) return void res.destroy();
    if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
    // The body of a refused request is not read: the connection closes after the answer.
    if (!req.complete) res.setHeader('connection', 'close');
    sendJson(res, status, errorBody(status, message));
  };

  const authorize = (req: Request, res: Response, next: NextFunction) => {
    req.routeTemplate = `/api/webhooks/${req.params.source === undefined ? 'instantly' : ':source'}`;
    const source = String(req.params.source ?? 'instantly');
    receiver()
      .authorize(source, req.headers['x-webhook-secret'])
      .then((auth) => {
        (req as WithAuth)[AUTH] = auth;
        next();
      }, (err: unknown) => fail(err, req, res));
  };
  const readBody = readBodyText(bodyLimit);
  const receive = (req: Request, res: Response) => {
    let body: unknown;
    try {
      body = typeof req.body === 'string' ? parseJsonBody(req.body) : undefined;
    } catch (err) {
      return fail(err, req, res);
    }
    receiver()
      .accept((req as WithAuth)[AUTH]!, body)
      .then((stored) => sendJson(res, 200, stored), (err: unknown) => fail(err, req, res));
  };
  const bodyError = (err: unknown, req: Request, res: Response, _next: NextFunction) => fail(err, req, res);

  const router = Router();
  router.post('/instantly', authorize, readBody, receive, bodyError);
  router.post('/:source', authorize, readBody, receive, bodyError);
  app.use('/api/webhooks', router);
}
