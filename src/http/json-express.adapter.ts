import { Logger, NestApplicationOptions, StreamableFile } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { IncomingMessage, Server, ServerResponse } from 'http';
import { errorBody, mapException } from './http-exception.filter';
import { sendJson } from './send-json';

/** A handler that answers a request itself, or passes it on with next(). */
export type FrontHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Nest's Express adapter, answering the routes' JSON bodies with sendJson(), with a front: a
 * handler each request passes before the Express application (setFront). The application's
 * per-request set-up (Express re-links every request and response to its own prototypes, which
 * turns Node's objects slow for the rest of the request) cost a webhook receipt more CPU than
 * everything else it does; requests the front does not answer go on to the application unchanged.
 */
export class JsonExpressAdapter extends ExpressAdapter {
  private front: FrontHandler | undefined;

  /** Sets the handler every request passes first (app.setup.ts). */
  setFront(handler: FrontHandler): void {
    this.front = handler;
  }

  /** The server Nest creates, with the front ahead of the Express application as its request listener. */
  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer(options);
    const server = this.getHttpServer() as Server;
    const app = this.getInstance<(req: IncomingMessage, res: ServerResponse) => void>();
    const logger = new Logger('HTTP');
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const front = this.front;
      if (!front) return app(req, res);
      try {
        front(req, res, () => app(req, res));
      } catch (err) {
        // Outside Express nothing else would catch it: the process would end. A 500 instead, as
        // the exception filter answers (logged with a correlation id, no stack in the answer).
        if (res.headersSent) return void res.destroy();
        const { status, message } = mapException(err, { method: req.method ?? '', url: req.url ?? '' }, logger);
        sendJson(res, status, errorBody(status, message));
      }
    });
  }

  override reply(response: ServerResponse, body: unknown, statusCode?: number): unknown {
    if (
      body !== null &&
      typeof body === 'object' &&
      !(body instanceof StreamableFile) &&
      !(body instanceof Error) &&
      !response.getHeader('content-type')
    ) {
      sendJson(response, statusCode ?? response.statusCode, body);
      return response;
    }
    return super.reply(response, body, statusCode);
  }
}
