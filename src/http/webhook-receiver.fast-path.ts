import { INestApplication, Logger } from '@nestjs/common';
import { Router } from 'express';
import type { IncomingMessage, ServerResponse } from 'http';
import { errorBody, mapException } from './http-exception.filter';
import { FrontRequest, parseJsonBody, readBodyText } from './http-setup';
import { sendJson } from './send-json';
import { WebhookReceiverController } from '../webhooks/webhook-receiver.controller';
import { WebhookReceiverService } from '../webhooks/webhook-receiver.service';

/** The receivers' paths; only a POST under this prefix is offered to their router. */
const RECEIVER_PREFIX = '/api/webhooks/';

/**
 * Answers `POST /api/webhooks/:source` with Express's own router, ahead of the Express application
 * and of Nest's routes (the adapter's front, json-express.adapter.ts), so neither Nest's
 * per-request pipeline (guards, interceptors, pipes, observables) nor the application's
 * per-request set-up runs: receipt is public (its own secret), needs no request transaction, CLS
 * context or DTO, and those two cost several times the receipt itself. The handler works on Node's
 * request and response plus what the router sets (params, originalUrl). The source, the secret and
 * room in the ingest queue are checked before the body is read: a sender without the secret never
 * gets up to 1 MB parsed. The route handler is the receivers' controller (its receive(), which
 * Nest's routes of the same paths call too), so the two pipelines cannot drift apart; test/receipt-edge
 * sends every request form both ways and requires identical answers. A POST under the prefix the router
 * does not match goes on to the application; one it fails on is answered with the error here.
 */
export function webhookFastPath(
  nest: INestApplication,
  bodyLimit: number,
): (req: FrontRequest, res: ServerResponse, next: () => void) => void {
  const logger = new Logger('WebhookReceiver');
  // Resolved on first use: the module graph is complete only after app.init().
  let resolved: { controller: WebhookReceiverController; service: WebhookReceiverService } | undefined;
  const receivers = () => (resolved ??= { controller: nest.get(WebhookReceiverController), service: nest.get(WebhookReceiverService) });
  const readBody = readBodyText(bodyLimit);

  const fail = (err: unknown, req: FrontRequest, res: ServerResponse, source: string) => {
    const { status, message, retryAfterSeconds } = mapException(
      err,
      { method: req.method ?? 'POST', url: req.originalUrl ?? req.url ?? '' },
      logger,
    );
    receivers().service.countRejected(source, status);
    if (res.headersSent) return void res.destroy();
    if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
    // The body of a refused request is not read: the connection closes after the answer.
    if (!req.complete) res.setHeader('connection', 'close');
    sendJson(res, status, errorBody(status, message));
  };

  // The reader's callback is typed unknown; what it passes is raw-body's or the limit's Error.
  const readBodyOf = (req: FrontRequest, res: ServerResponse) =>
    new Promise<void>((resolve, reject) =>
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      readBody(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
    );

  // The receivers' controller runs receipt: the headers first; the body is read (and its size and
  // JSON checked) only when it asks for it. Any refusal is answered by fail().
  const receive = async (req: FrontRequest, res: ServerResponse) => {
    const source = typeof req.params?.source === 'string' ? req.params.source : 'instantly';
    req.routeTemplate = source === 'instantly' ? '/api/webhooks/instantly' : '/api/webhooks/:source';
    const readBody = async () => {
      await readBodyOf(req, res);
      const text = typeof req.body === 'string' ? req.body : undefined;
      return {
        value: text === undefined ? undefined : parseJsonBody(text, 'remove'),
        bytes: text === undefined ? 0 : Buffer.byteLength(text, 'utf8'),
      };
    };
    try {
      sendJson(
        res,
        200,
        await receivers().controller.receive(source, req.headers['x-webhook-secret'], req.headers['content-length'], readBody),
      );
    } catch (err) {
      fail(err, req, res, source);
    }
  };
  const router = Router();
  // Express's types describe its own request objects; these are Node's, with the router's fields.
  router.post(
    ['/api/webhooks/instantly', '/api/webhooks/:source'],
    ((req: FrontRequest, res: ServerResponse) => void receive(req, res)) as unknown as Parameters<typeof router.post>[1],
  );
  const route = router as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  return (req, res, next) => {
    // Express's routes match case-insensitively: so does the prefix, lest /API/WEBHOOKS/… reach the
    // controller, which reads the body before the secret is checked.
    if (req.method !== 'POST' || !req.url?.toLowerCase().startsWith(RECEIVER_PREFIX)) return next();
    // An error from the router (a source that is not valid percent-encoding, a handler that threw)
    // is answered here; only a path the router did not match goes on to the application.
    route(req, res, (err?: unknown) => (err ? fail(err, req, res, 'unknown') : next()));
  };
}
