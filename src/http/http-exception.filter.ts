import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'crypto';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { AppError, statusOf } from '../common/app-error';
import { sendJson } from './send-json';
import { WebhookReceiverService } from '../webhooks/webhook-receiver.service';

interface Mapped {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

const PG_ERRORS: Record<string, Mapped> = {
  '22P02': { status: 400, message: 'a value has the wrong format' },
  '22001': { status: 400, message: 'a value is too long' },
  '22003': { status: 400, message: 'a number is out of range' },
  '22007': { status: 400, message: 'a date or time has the wrong format' },
  '22008': { status: 400, message: 'a date or time is out of range' },
  '23502': { status: 400, message: 'a required value is missing' },
  '23503': { status: 400, message: 'a referenced row does not exist' },
  '23505': { status: 409, message: 'a row with the same unique value already exists' },
  '23514': { status: 400, message: 'a value is not allowed' },
  '42501': { status: 403, message: 'not allowed for this organization' },
  '57014': { status: 503, message: 'the database took too long; try again' },
  '57P01': { status: 503, message: 'the database is restarting; try again' },
  '53300': { status: 503, message: 'the database has too many connections; try again' },
};

const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|connection.*(closed|ended)|ENOTFOUND|EPIPE|Client has encountered a connection error|the database system is (starting up|shutting down)|terminating connection|Client was closed|not queryable/i;

/** The public link routes' token segment, however the path was written: any case, repeated slashes. */
const PUBLIC_TOKEN_PATH = /(\/+onboarding\/+o\/+)[^/?#]+/i;
const PUBLIC_TOKEN_PATHS = new RegExp(PUBLIC_TOKEN_PATH.source, 'gi');

/**
 * A path fit for logs: an onboarding link's token (its only credential) is replaced. Express
 * matches routes case-insensitively and tolerates repeated slashes, and a client may percent-encode
 * any character: the path is decoded (again while that changes it, for double encodings) before the
 * token is looked for, so that no spelling of a link's path prints its token.
 */
export function redactPath(path: string): string {
  let decoded = path;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  if (!PUBLIC_TOKEN_PATH.test(decoded)) return path;
  // Decoded, so control characters a client encoded are shown as '?' (no line breaks in a log line).
  // eslint-disable-next-line no-control-regex -- control characters are what it replaces
  return decoded.replace(PUBLIC_TOKEN_PATHS, '$1[redacted]').replace(/[\u0000-\u001f\u007f]/g, '?');
}

/**
 * The source a webhook receipt names (`POST /api/webhooks/:source`, as the receivers' routes match
 * it: case-insensitive, so /API/WEBHOOKS/INSTANTLY is Instantly's), or undefined for any other request.
 */
function receiptSource(req: Request): string | undefined {
  if (req.method !== 'POST') return undefined;
  const m = /^\/api\/webhooks\/([^/]+)\/?$/i.exec(req.path);
  if (!m) return undefined;
  if (/^instantly$/i.test(m[1])) return 'instantly';
  // Decoded, as the routes' :source is; a malformed encoding is counted as the edge counts it.
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return 'unknown';
  }
}

/** The contract's error body. */
export function errorBody(status: number, message: string): { success: false; statusCode: number; message: string; detail: string } {
  return { success: false, statusCode: status, message, detail: message };
}

/**
 * The contract's error body for everything that leaves the service. Known errors keep their
 * message; anything unexpected becomes a plain 500 with a correlation id that is also logged, so a
 * response never carries a stack trace or SQL.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly moduleRef: ModuleRef) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const { status, message, retryAfterSeconds } = mapException(exception, { method: req.method, url: req.originalUrl }, this.logger);
    // A receipt refused through the stock pipeline (WEBHOOK_RECEIPT_FRONT=false: by the receivers'
    // controller or before it, by the body's reader) is counted as the edge counts its refusals.
    const source = receiptSource(req);
    if (source !== undefined) this.moduleRef.get(WebhookReceiverService, { strict: false }).countRejected(source, status);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
    sendJson(res, status, errorBody(status, message));
  }
}

/** Status and message for any error; unknown ones are logged with a correlation id. */
export function mapException(exception: unknown, request: { method: string; url: string }, logger: Logger): Mapped {
  const where = `${request.method} ${redactPath(request.url.split('?')[0])}`;
  if (exception instanceof AppError)
    return { status: statusOf(exception.code), message: exception.message, retryAfterSeconds: exception.retryAfterSeconds };
  if (exception instanceof HttpException) {
    const body = exception.getResponse();
    let message = exception.message;
    if (typeof body === 'object' && body !== null && 'message' in body) {
      const m = body.message;
      message = Array.isArray(m) ? m.join('; ') : String(m);
    }
    return { status: exception.getStatus(), message };
  }
  const err = exception as { statusCode?: number; message?: string; code?: string };
  // Errors body-parser raised while reading the body, before any handler ran.
  const read = exception as { type?: unknown; status?: unknown; expose?: unknown };
  if (read?.type === 'entity.too.large') return { status: 413, message: 'request body is too large' };
  if (
    typeof read?.type === 'string' &&
    read.expose === true &&
    typeof read.status === 'number' &&
    read.status >= 400 &&
    read.status < 500
  ) {
    return { status: read.status, message: `request could not be read: ${err.message}` };
  }
  // Express could not decode a path parameter (a malformed percent-encoding).
  if (exception instanceof URIError) return { status: 400, message: 'the request could not be read: malformed URL' };
  // TypeORM wraps driver errors; queries sent on a raw pg client (transaction start, streams) do not.
  const driver = exception instanceof QueryFailedError ? (exception.driverError as { code?: string }) : (exception as { code?: string });
  const code = typeof driver?.code === 'string' ? driver.code : '';
  if (PG_ERRORS[code]) return PG_ERRORS[code];
  // Any other data exception (class 22) comes from a value the client sent: a NUL character
  // (22021), a number or date PostgreSQL cannot take.
  if (/^22/.test(code)) return { status: 400, message: 'a value is not valid' };
  if (/^(08|57P|53)/.test(code)) return { status: 503, message: 'the database is unavailable; try again shortly' };
  if (exception instanceof QueryFailedError && /row-level security/i.test(exception.message)) return PG_ERRORS['42501'];
  // ioredis (REDIS_URL: the shared rate limit and stats cache) gave up on a command.
  if (
    (exception as Error)?.name === 'MaxRetriesPerRequestError' ||
    /^Connection is closed\.?$|Stream isn't writeable/.test(err?.message ?? '')
  ) {
    logger.warn(`redis unavailable on ${where}: ${err?.message}`);
    return { status: 503, message: 'a shared service is unavailable; try again shortly', retryAfterSeconds: 5 };
  }
  if (err?.message && CONNECTION_ERROR.test(err.message)) {
    logger.warn(`database unavailable on ${where}: ${err.message}`);
    return { status: 503, message: 'the database is unavailable; try again shortly' };
  }
  const correlationId = randomUUID();
  logger.error(`unhandled error ${correlationId} on ${where}: ${(exception as Error)?.stack ?? String(exception)}`);
  return { status: 500, message: `internal error (reference ${correlationId})` };
}
