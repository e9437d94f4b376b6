import { CronTime } from 'cron';
import { createHmac } from 'crypto';

/** The webhook sources that receive over HTTP, each with its own secret variable. */
export const HTTP_WEBHOOK_SOURCES = ['instantly', 'weconnect', 'n8n', 'zapier', 'make', 'custom'] as const;
export type HttpWebhookSource = (typeof HTTP_WEBHOOK_SOURCES)[number];

export interface AppConfig {
  port: number;
  host: string;
  /** Express's `trust proxy` (proxy-addr): which hops may set X-Forwarded-For (the client IP for rate limits and logs). */
  trustProxy: string;
  /** Empty when the service should run on the embedded database. */
  databaseUrl: string;
  databasePoolSize: number;
  statementTimeoutMs: number;
  /** Prepare the RLS context statement once per connection (off behind a pooler that cannot keep prepared statements). */
  databasePreparedContext: boolean;
  dataDir: string;
  jwtSecret: string;
  webhookSecrets: Partial<Record<HttpWebhookSource, string>>;
  webhookMaxAttempts: number;
  webhookWorkers: number;
  webhookBatchSize: number;
  webhookLeaseSeconds: number;
  webhookRetryBaseMs: number;
  webhookLogRetentionDays: number;
  /** Dedup keys are kept this long (longer than any sender retries an event); 0 keeps them forever. */
  webhookDedupRetentionDays: number;
  /** Monthly log partitions created ahead of the current month. */
  webhookLogPartitionsAhead: number;
  webhookStatsCacheSeconds: number;
  onboardingBaseUrl: string;
  onboardingExpiryCron: string;
  publicRateLimitPerMinute: number;
  /** Webhooks parsed and waiting for their batch insert, at most; beyond, 503 with Retry-After. */
  webhookIngestQueueMax: number;
  /** Events an organization's own credential may send: `burst` in any window of burst / rate seconds; beyond, 429. */
  webhookCredentialRatePerSecond: number;
  webhookCredentialBurst: number;
  /** The largest body an organization's own credential may send (the global limit is 1 MB). */
  webhookCredentialMaxBytes: number;
  /** Events per second of one tenant taken in turn with other tenants' (FairTurns); beyond, its events wait behind theirs. */
  webhookFairSharePerSecond: number;
  /** Streamed exports at once, in this instance and per organization (platform callers: per caller); beyond, 429. */
  exportMaxConcurrent: number;
  exportMaxPerOrganization: number;
  /** An export whose client has not read for this long is ended, freeing its connection. */
  exportStallTimeoutMs: number;
  /** Reads that cost a scan of an organization's logs, at once per organization (platform callers: per caller) and in all; beyond, 429. */
  heavyReadsPerOrganization: number;
  heavyReadsMaxConcurrent: number;
  /** A search the trigram index cannot serve may take this long; beyond, 400 saying how to narrow it. */
  heavyReadTimeoutMs: number;
  /** Webhook receipt answered by its own router ahead of the Express application (src/http/webhook-receiver.fast-path.ts); off: by Nest's controller. */
  webhookReceiptFront: boolean;
  /** Node's HTTP server: a whole request (headers and body), its headers, an idle keep-alive connection; open connections at most. */
  httpRequestTimeoutMs: number;
  httpHeadersTimeoutMs: number;
  httpKeepAliveTimeoutMs: number;
  httpMaxConnections: number;
  /** Optional JWT checks: `iss`, `aud`, and the longest lifetime (exp - iat, seconds) accepted. */
  jwtIssuer: string | null;
  /** How long a token subject's standing (organization suspended, user inactive or removed) is reused before it is read again. */
  authStandingCacheMs: number;
  jwtAudience: string | null;
  jwtMaxAgeSeconds: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  logRequests: boolean;
  /** Bearer token a Prometheus scrape of GET /metrics presents; empty: /metrics is 404. */
  metricsToken: string;
  /** With it, the public rate limit and the stats cache are shared by every instance through Redis. */
  redisUrl: string;
  /**
   * The key of the keyed hash (HMAC-SHA256) that stands for an erased email in the suppression list,
   * the activity log and the logs' lines. Default: derived from JWT_SECRET (set it explicitly so
   * that rotating JWT_SECRET does not make the suppression list forget who it holds).
   */
  privacyHashKey: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function strVar(env: Env, name: string, def: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? def : raw;
}

/**
 * Reads and validates the environment once at start-up. Any bad value throws a ConfigError that
 * names the variable, and the service stops before it listens.
 */
// eslint-disable-next-line max-lines-per-function -- a table of settings, one line each, read top to bottom; split by area, it would scatter the defaults the README lists in one place
export function loadConfig(env: Env = process.env): AppConfig {
  const databaseUrl = strVar(env, 'DATABASE_URL', '');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const jwtSecret = strVar(env, 'JWT_SECRET', '');
  if (!jwtSecret) throw new ConfigError('JWT_SECRET is required (at least 32 characters)');
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters long');

  const webhookSecrets: AppConfig['webhookSecrets'] = {};
  for (const source of HTTP_WEBHOOK_SOURCES) {
    const name = source === 'instantly' ? 'INSTANTLY_WEBHOOK_SECRET' : `WEBHOOK_SECRET_${source.toUpperCase()}`;
    const value = strVar(env, name, '');
    if (value && value.length < 16) throw new ConfigError(`${name} must be at least 16 characters long`);
    if (value) webhookSecrets[source] = value;
  }

  const onboardingBaseUrl = strVar(env, 'ONBOARDING_BASE_URL', 'https://onboarding.salesbrain.com/o');
  try {
    const url = new URL(onboardingBaseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
  } catch {
    throw new ConfigError(`ONBOARDING_BASE_URL must be an http(s) URL, got "${onboardingBaseUrl}"`);
  }

  const onboardingExpiryCron = strVar(env, 'ONBOARDING_EXPIRY_CRON', '0 0 * * *');
  try {
    new CronTime(onboardingExpiryCron, 'UTC');
  } catch {
    throw new ConfigError(`ONBOARDING_EXPIRY_CRON is not a valid cron expression: "${onboardingExpiryCron}"`);
  }

  const logLevel = strVar(env, 'LOG_LEVEL', 'log');
  if (!['error', 'warn', 'log', 'debug'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL must be one of error, warn, log, debug');
  }

  const preparedContext = strVar(env, 'DATABASE_PREPARED_CONTEXT', 'true');
  if (preparedContext !== 'true' && preparedContext !== 'false') throw new ConfigError('DATABASE_PREPARED_CONTEXT must be true or false');

  const receiptFront = strVar(env, 'WEBHOOK_RECEIPT_FRONT', 'true');
  if (receiptFront !== 'true' && receiptFront !== 'false') throw new ConfigError('WEBHOOK_RECEIPT_FRONT must be true or false');

  const logRequests = strVar(env, 'LOG_REQUESTS', 'true');
  if (logRequests !== 'true' && logRequests !== 'false') throw new ConfigError('LOG_REQUESTS must be true or false');

  // A week by default: it bounds how long a leaked token works, while the identity provider's
  // tokens (re-issued as sessions refresh) and the week-long tokens npm start prints still pass.
  const jwtMaxAge = strVar(env, 'JWT_MAX_AGE', '7d');
  const m = /^(\d+)([smhd]?)$/.exec(jwtMaxAge.trim());
  if (!m || Number(m[1]) <= 0)
    throw new ConfigError(`JWT_MAX_AGE must be a positive duration such as 3600, 90m, 12h or 7d, got "${jwtMaxAge}"`);
  const jwtMaxAgeSeconds = Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]];

  const privacyHashKey =
    strVar(env, 'PRIVACY_HASH_KEY', '') || createHmac('sha256', jwtSecret).update('salesbrain-privacy-hash-v1').digest('hex');
  if (privacyHashKey.length < 32) throw new ConfigError('PRIVACY_HASH_KEY must be at least 32 characters long');

  const metricsToken = strVar(env, 'METRICS_TOKEN', '');
  if (metricsToken && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters long');
  const redisUrl = strVar(env, 'REDIS_URL', '');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');

  return {
    port: intVar(env, 'PORT', 3000, 0, 65535),
    host: strVar(env, 'HOST', '0.0.0.0'),
    trustProxy: strVar(env, 'TRUST_PROXY', 'loopback'),
    databaseUrl,
    databasePoolSize: intVar(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    statementTimeoutMs: intVar(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30000, 100, 3600000),
    databasePreparedContext: preparedContext === 'true',
    dataDir: strVar(env, 'DATA_DIR', '.data'),
    jwtSecret,
    webhookSecrets,
    webhookMaxAttempts: intVar(env, 'WEBHOOK_MAX_ATTEMPTS', 5, 1, 50),
    webhookWorkers: intVar(env, 'WEBHOOK_WORKERS', 1, 0, 32),
    webhookBatchSize: intVar(env, 'WEBHOOK_BATCH_SIZE', 100, 1, 5000),
    webhookLeaseSeconds: intVar(env, 'WEBHOOK_LEASE_SECONDS', 60, 1, 86400),
    webhookRetryBaseMs: intVar(env, 'WEBHOOK_RETRY_BASE_MS', 30000, 1, 3600000),
    webhookLogRetentionDays: intVar(env, 'WEBHOOK_LOG_RETENTION_DAYS', 0, 0, 3650),
    webhookDedupRetentionDays: intVar(env, 'WEBHOOK_DEDUP_RETENTION_DAYS', 30, 0, 3650),
    webhookLogPartitionsAhead: intVar(env, 'WEBHOOK_LOG_PARTITIONS_AHEAD', 2, 1, 24),
    webhookStatsCacheSeconds: intVar(env, 'WEBHOOK_STATS_CACHE_SECONDS', 15, 0, 3600),
    onboardingBaseUrl: onboardingBaseUrl.replace(/\/+$/, ''),
    onboardingExpiryCron,
    publicRateLimitPerMinute: intVar(env, 'PUBLIC_RATE_LIMIT_PER_MINUTE', 60, 1, 100000),
    webhookIngestQueueMax: intVar(env, 'WEBHOOK_INGEST_QUEUE_MAX', 5000, 1, 1_000_000),
    webhookCredentialRatePerSecond: intVar(env, 'WEBHOOK_CREDENTIAL_RATE_PER_SECOND', 100, 1, 1_000_000),
    webhookCredentialBurst: intVar(env, 'WEBHOOK_CREDENTIAL_BURST', 1000, 1, 10_000_000),
    webhookFairSharePerSecond: intVar(env, 'WEBHOOK_FAIR_SHARE_PER_SECOND', 20, 1, 1_000_000),
    webhookCredentialMaxBytes: intVar(env, 'WEBHOOK_CREDENTIAL_MAX_BYTES', 262_144, 1024, 1024 * 1024),
    exportMaxConcurrent: intVar(env, 'EXPORT_MAX_CONCURRENT', 4, 1, 100),
    exportMaxPerOrganization: intVar(env, 'EXPORT_MAX_PER_ORGANIZATION', 2, 1, 100),
    exportStallTimeoutMs: intVar(env, 'EXPORT_STALL_TIMEOUT_MS', 30000, 100, 3_600_000),
    heavyReadsPerOrganization: intVar(env, 'HEAVY_READS_PER_ORGANIZATION', 1, 1, 100),
    heavyReadsMaxConcurrent: intVar(env, 'HEAVY_READS_MAX_CONCURRENT', 4, 1, 100),
    heavyReadTimeoutMs: intVar(env, 'HEAVY_READ_TIMEOUT_MS', 5000, 1, 600_000),
    webhookReceiptFront: receiptFront === 'true',
    httpRequestTimeoutMs: intVar(env, 'HTTP_REQUEST_TIMEOUT_MS', 60_000, 1000, 3_600_000),
    httpHeadersTimeoutMs: intVar(env, 'HTTP_HEADERS_TIMEOUT_MS', 20_000, 1000, 600_000),
    httpKeepAliveTimeoutMs: intVar(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    httpMaxConnections: intVar(env, 'HTTP_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    jwtIssuer: strVar(env, 'JWT_ISSUER', '') || null,
    jwtAudience: strVar(env, 'JWT_AUDIENCE', '') || null,
    jwtMaxAgeSeconds,
    authStandingCacheMs: intVar(env, 'AUTH_STANDING_CACHE_MS', 2000, 0, 60_000),
    logLevel: logLevel as AppConfig['logLevel'],
    logRequests: logRequests === 'true',
    metricsToken,
    redisUrl,
    privacyHashKey,
  };
}
