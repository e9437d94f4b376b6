import { Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'http';
import { Caller } from '../auth/roles';
import { AppConfig } from '../config/app-config';
import { AppMetrics } from '../metrics/app-metrics';
import { AppError } from './app-error';
import { redactPath } from './http-exception.filter';
import { jsonTooDeep, MAX_JSON_DEPTH } from './json-limits';

type Done = (err: Error | null, body?: unknown) => void;

/** Webhook senders do not always label their JSON, so their routes parse any content type. */
const WEBHOOK_PATH = /^\/api\/webhooks\/[^/?]+\/?(\?|$)/;

/**
 * Request bodies are JSON only, up to `limit` bytes. Admin routes accept `application/json` (any
 * other type is a 415); the webhook receivers parse whatever the sender labelled it. An empty body
 * is "no body", so the route's own validation names the missing fields. Keys that would poison an
 * object's prototype (`__proto__`, `constructor.prototype`) are refused with a 400.
 */
export function registerBodyParsers(fastify: FastifyInstance, limit: number): void {
  const strict = fastify.getDefaultJsonParser('error', 'error');
  const parseJson = (req: FastifyRequest, body: string, done: Done): void => {
    if (body.trim() === '') return done(null, undefined);
    if (body.length > 2 * MAX_JSON_DEPTH && jsonTooDeep(body)) {
      return done(AppError.badRequest(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`));
    }
    strict(req, body, done);
  };
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: limit }, parseJson);
  fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: limit }, (req, body, done) => {
    if (WEBHOOK_PATH.test(req.url)) return parseJson(req, body as string, done);
    done(AppError.unsupportedMediaType('request body must be application/json'));
  });
}

const REQUEST_ID = /^[\w-]{1,64}$/;

/**
 * One structured line per request (method, path, status, duration, caller, request id) when
 * LOG_REQUESTS is on; 5xx answers are always logged. The request id comes from `x-request-id` when
 * it is well formed, otherwise a new one, and is echoed in the response.
 */
export function registerRequestLogging(fastify: FastifyInstance, config: AppConfig, metrics: AppMetrics): void {
  const logger = new Logger('HTTP');
  fastify.decorateRequest('caller', null);
  fastify.decorateRequest('requestId', '');
  fastify.addHook('onRequest', (req, reply, done) => {
    const incoming = req.headers['x-request-id'];
    req.requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    reply.header('x-request-id', req.requestId);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    // The route template (never the path with its ids); requests no route matched count as one.
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_class: `${Math.floor(status / 100)}xx` },
      reply.elapsedTime / 1000,
    );
    if (status >= 500 || config.logRequests) {
      const line = JSON.stringify({
        request_id: req.requestId,
        method: req.method,
        path: redactPath(req.url.split('?')[0]),
        status,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        role: req.caller?.role,
        org: req.caller?.orgId ?? undefined,
      });
      if (status >= 500) logger.error(line);
      else logger.log(line);
    }
    done();
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth guard once the token is verified. */
    caller: Caller | null;
    requestId: string;
  }
}

/**
 * helmet's default security headers on every response. They do not depend on the request, so
 * helmet runs once at start-up against a recording response and each request only copies the
 * result (the Fastify plugin rebuilt helmet's middleware for every request: 3% of a request's CPU).
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let failed: unknown;
  helmet()({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => (failed = err));
  if (failed || Object.keys(headers).length === 0) throw new Error(`helmet produced no headers: ${String(failed)}`);
  fastify.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
}
