/**
 * The portal's typed client for the Salesbrain admin API, generated from the service's OpenAPI
 * document (`npm run client:generate`; do not edit schema.d.ts by hand). Every path, parameter,
 * body and answer is typed: `data` is the 2xx body, `error` the documented error body.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths } from './schema';
export type Schemas = components['schemas'];
export type SalesbrainClient = Client<paths>;

/** A client for one base URL; with a token, every request carries `Authorization: Bearer <token>`. */
export function createSalesbrainClient(baseUrl: string, token?: string, options: ClientOptions = {}): SalesbrainClient {
  return createClient<paths>({
    ...options,
    baseUrl,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...((options.headers as Record<string, string>) ?? {}) },
  });
}
