import type { ServerResponse } from 'http';

/**
 * Writes a JSON answer in one step: status, content type, and the serialized body as a string,
 * which Node sends together with the headers in a single write and counts for Content-Length.
 * Express's res.json() goes through res.send(): a Buffer copy, charset parsing, a freshness check
 * and a second socket write; on the RLS path that was a tenth of a request's CPU.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
