import { INestApplication, Logger } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { errorBody, mapException } from '../common/http-exception.filter';
import { ReceiverAuth, WebhookReceiverService } from './webhook-receiver.service';

const RECEIVER_ROUTE = /^\/api\/webhooks\/(instantly|:source)\/?$/;
const AUTH = Symbol('webhookAuth');
type WithAuth = FastifyRequest & { [AUTH]?: ReceiverAuth };

/**
 * Answers `POST /api/webhooks/:source` from Fastify hooks on the receivers' own routes, so Nest's
 * per-request pipeline (guards, interceptors, pipes, observables) is skipped. Receipt is public
 * (its own secret), needs no request transaction, CLS context or DTO, and during an Instantly
 * burst that pipeline was a third of the receiver's CPU (measured on this machine: 874 vs 1,267
 * events/s at 50 connections). The source, the secret and room in the ingest queue are checked in
 * onRequest, before the body is read: a sender without the secret never gets up to 1 MB parsed.
 * The routes stay Nest's controller routes, documented in OpenAPI, and call the same
 * WebhookReceiverService, so the two cannot drift apart. Register before app.init(), which is
 * when Nest adds its routes.
 */
export function registerWebhookFastPath(fastify: FastifyInstance, app: INestApplication): void {
  const logger = new Logger('WebhookReceiver');
  // Resolved on first use: the module graph is complete only after app.init().
  let cached: WebhookReceiverService | undefined;
  const receiver = (): WebhookReceiverService => {
    if (!cached) cached = app.get(WebhookReceiverService);
    return cached as WebhookReceiverService;
  };
  const fail = (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, message, retryAfterSeconds } = mapException(err, req, logger);
    receiver().countRejected((req.params as { source?: string }).source ?? 'instantly', status);
    if (reply.sent) return reply;
    if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
    return reply.code(status).send(errorBody(status, message));
  };

  fastify.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    const match = RECEIVER_ROUTE.exec(route.url);
    if (!match || !methods.includes('POST')) return;
    const fixedSource = match[1] === 'instantly' ? 'instantly' : null;
    const authorize: onRequestHookHandler = async (req, reply) => {
      const source = fixedSource ?? (req.params as { source: string }).source;
      try {
        (req as WithAuth)[AUTH] = await receiver().authorize(source, req.headers['x-webhook-secret']);
      } catch (err) {
        return fail(err, req, reply);
      }
    };
    // The reply is sent here and returned, so Fastify runs no further hook and not the handler.
    const receive: preHandlerHookHandler = async (req, reply) => {
      try {
        return reply.code(200).send(await receiver().accept((req as WithAuth)[AUTH]!, req.body));
      } catch (err) {
        return fail(err, req, reply);
      }
    };
    route.onRequest = [...([] as onRequestHookHandler[]).concat((route.onRequest as onRequestHookHandler) ?? []), authorize];
    route.preHandler = [...([] as preHandlerHookHandler[]).concat((route.preHandler as preHandlerHookHandler) ?? []), receive];
  });
}
