import { Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { Express, NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import getRawBody from 'raw-body';
import type { IncomingMessage, ServerResponse } from 'http';
import sjson from 'secure-json-parse';
import { Caller } from '../auth/roles';
import { AppConfig } from '../config/app-config';
import { AppMetrics } from '../observability/app-metrics';
import { AppError } from '../common/app-error';
import { redactPath } from './http-exception.filter';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../common/json-limits';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the auth guard once the token is verified. */
    caller?: Caller | null;
  }
}

/** Webhook senders do not always label their JSON, so their routes parse any content type. */
const WEBHOOK_PATH = /^\/api\/webhooks\/[^/?]+\/?$/i;

/** Whether the request announces a body (HTTP/1.1: a Content-Length or a Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads a body of any content type as UTF-8 text into req.body, up to `limit` bytes (raw-body's
 * 413 beyond it, before reading when Content-Length says so). Requests without a body are left
 * alone (req.body stays undefined). raw-body alone: body-parser's text() around it parsed the
 * content type and charset of every request for nothing this service uses.
 */
export function readBodyText(
  limit: number,
): (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (err?: unknown) => void) => void {
  return (req, _res, next) => {
    if (!hasBody(req)) return next();
    getRawBody(req, { length: req.headers['content-length'], limit, encoding: 'utf-8' }, (err, text) => {
      if (err) return next(err);
      req.body = text;
      next();
    });
  };
}

/**
 * The body as JSON: an empty body is "no body", so the route's own validation names the missing
 * fields; nesting over 64 levels is refused with a 400 before anything recursive sees the value.
 * Keys that would poison an object's prototype (`__proto__`, `constructor.prototype`) are refused
 * with a 400 (`'error'`, the admin routes, whose bodies have no such field) or dropped (`'remove'`,
 * the receivers, which take any JSON object a sender posts and keep every other field).
 */
export function parseJsonBody(text: string, prototypeKeys: 'error' | 'remove' = 'error'): unknown {
  if (text.trim() === '') return undefined;
  if (text.length > 2 * MAX_JSON_DEPTH && jsonTooDeep(text)) {
    throw AppError.badRequest(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return sjson.parse(text, undefined, { protoAction: prototypeKeys, constructorAction: prototypeKeys });
  } catch (err) {
    if (err instanceof SyntaxError && /prototype/i.test(err.message)) throw AppError.badRequest('request body contains a forbidden key');
    throw AppError.badRequest('request body is not valid JSON');
  }
}

/**
 * Request bodies are JSON only, up to `limit` bytes. Admin routes accept `application/json` (any
 * other type is a 415); the webhook receivers parse whatever the sender labelled it.
 */
export function registerBodyParsers(app: Express, limit: number, worthReading: (req: Request) => boolean = () => true): void {
  const readText = readBodyText(limit);
  // One layer; requests without a body (most of the portal's) pass straight through.
  app.use((req: Request, res: Response, next: NextFunction) => {
    // A body no route will use (an unknown path, a request its route will refuse for its token) is
    // not read: the answer (404, 401) goes out as soon as the headers are in, and the connection
    // closes after it rather than reading what is left.
    if (hasBody(req) && !worthReading(req)) {
      res.setHeader('connection', 'close');
      return next();
    }
    readText(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (typeof req.body !== 'string') return next();
      const text = req.body;
      req.body = undefined;
      if (text.length > 0 && !req.is('application/json') && !WEBHOOK_PATH.test(req.path)) {
        return next(AppError.unsupportedMediaType('request body must be application/json'));
      }
      try {
        req.body = parseJsonBody(text, WEBHOOK_PATH.test(req.path) ? 'remove' : 'error');
      } catch (parseErr) {
        return next(parseErr);
      }
      next();
    });
  });
}

/**
 * A request line in absolute form (`POST http://host/path HTTP/1.1`, which HTTP/1.1 servers must
 * accept) carries the same path as the origin form: rewritten to it first, so every handler and
 * check (the receivers' secret before the body, the 405 table, the routes) sees one form only.
 */
export function originForm(req: IncomingMessage): void {
  const url = req.url ?? '';
  if (url.startsWith('/') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return;
  try {
    const parsed = new URL(url);
    req.url = `${parsed.pathname}${parsed.search}`;
  } catch {
    req.url = '/';
  }
}

const REQUEST_ID = /^[\w-]{1,64}$/;

/** What the request handling and the receivers add to Node's request, before Express sees it. */
export interface FrontRequest extends IncomingMessage {
  requestId: string;
  /** The route template for metrics, when the receivers' router answered. */
  routeTemplate?: string;
  /** Set by Express's router, when one has routed the request. */
  originalUrl?: string;
  params?: Record<string, string>;
  body?: unknown;
  /** Set by Express for a request its routes answered, and by the auth guard. */
  route?: { path: unknown };
  baseUrl?: string;
  caller?: Caller | null;
}

/**
 * What every request gets, run on Node's request and response before any router (the adapter's
 * front, json-express.adapter.ts): helmet's security headers; the request id, from `x-request-id`
 * when it is well formed, otherwise a new one, echoed in the response; the request's duration in
 * the metrics; one structured line per request (method, path, status, duration, caller, request
 * id) when LOG_REQUESTS is on, and for every 5xx answer.
 */
export function requestHandling(config: AppConfig, metrics: AppMetrics): (req: FrontRequest, res: ServerResponse) => void {
  const logger = new Logger('HTTP');
  const headers = securityHeaders();
  // One histogram series per method, route template and status class, looked up by a string key
  // (prom-client hashes the label object on every observe otherwise). Bounded: routes are templates.
  const durations = new Map<string, { observe(seconds: number): void }>();
  return (req: FrontRequest, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    for (const [name, value] of headers) res.setHeader(name, value);
    const incoming = req.headers['x-request-id'];
    req.requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.requestId);
    res.once('finish', () => {
      const status = res.statusCode;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The route template (never the path with its ids); requests no route matched count as one.
      const route = req.routeTemplate ?? (req.route ? `${req.baseUrl ?? ''}${String(req.route.path)}` : 'unmatched');
      const statusClass = `${Math.floor(status / 100)}xx`;
      const key = `${req.method} ${route} ${statusClass}`;
      let series = durations.get(key);
      if (!series) {
        series = metrics.httpDuration.labels(req.method ?? '', route, statusClass);
        durations.set(key, series);
      }
      series.observe(ms / 1000);
      if (status >= 500 || config.logRequests) {
        const line = JSON.stringify({
          request_id: req.requestId,
          method: req.method,
          path: redactPath((req.originalUrl ?? req.url ?? '').split('?')[0]),
          status,
          ms: Math.round(ms * 10) / 10,
          role: req.caller?.role,
          org: req.caller?.orgId ?? undefined,
        });
        if (status >= 500) logger.error(line);
        else logger.log(line);
      }
    });
  };
}

/**
 * helmet's default security headers. They do not depend on the request, so helmet runs once at
 * start-up against a recording response and each request only copies the result (running
 * helmet's middleware per request rebuilt the same headers every time).
 */
function securityHeaders(): [string, string][] {
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
  return Object.entries(headers);
}

function trustProxy(value: string): boolean | number | string {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/** Express settings: TRUST_PROXY, no ETag hashing of every answer (the portal does not revalidate), no X-Powered-By. */
/**
 * A method a path does not have answers 405 with `Allow` (the methods it has), as soon as the
 * request line is in: before the body is read or a token checked, as an unknown path answers 404.
 * The table is the OpenAPI document's paths (every route under /api), loaded once the document is
 * built (load()); a path several templates match (/logs/export and /logs/{id}) allows what any of
 * them allows, and Express's own matching rules apply (case-insensitive, an optional trailing slash).
 */
export class MethodTable {
  private table: { pattern: RegExp; methods: string[] }[] = [];

  load(paths: Record<string, Record<string, unknown>>): void {
    this.table = Object.entries(paths).map(([template, ops]) => {
      const methods = Object.keys(ops).map((m) => m.toUpperCase());
      if (methods.includes('GET')) methods.push('HEAD');
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
      return { pattern: new RegExp(`^${source}/?$`, 'i'), methods };
    });
  }

  /** Whether some documented route has this path. */
  knows(path: string): boolean {
    return this.table.some((t) => t.pattern.test(path));
  }

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'OPTIONS') return next();
    const allowed = new Set(this.table.filter((t) => t.pattern.test(req.path)).flatMap((t) => t.methods));
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    const allow = [...allowed].sort().join(', ');
    res.setHeader('Allow', allow);
    next(AppError.methodNotAllowed(`method ${req.method} is not allowed on this path; allowed: ${allow}`));
  };
}

export function configureExpress(app: Express, config: AppConfig): void {
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy(config.trustProxy));
  app.set('etag', false);
}
