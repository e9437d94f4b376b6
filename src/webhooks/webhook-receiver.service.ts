import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'crypto';
import { ok } from '../common/api-envelope';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig, HTTP_WEBHOOK_SOURCES, HttpWebhookSource } from '../config/app-config';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { WebhookCredentialsService } from './webhook-credentials.service';
import { StoredWebhook, WebhookIngestService } from './webhook-ingest.service';
import { parseIncomingWebhook, PayloadError } from './webhook-payload';
import { secretMatches } from '../common/secrets';

/** Who sent a webhook: the source, and the organization whose own credential was presented (else null: the global secret). */
export interface ReceiverAuth {
  source: HttpWebhookSource;
  organizationId: string | null;
  /** The largest body this sender may send, in bytes. */
  maxBodyBytes: number;
}

/** A request's body when receipt asks for it: its JSON value (undefined: no body) and its size in bytes. */
export interface ReceivedBody {
  value: unknown;
  bytes: number;
}

/**
 * Receipt only: check the source and its secret, validate the shape, store durably, answer.
 * Mapping to an organization and all CRM work happen later in the workers. `authorize` needs the
 * headers only, so the receivers run it before reading the body.
 */
@Injectable()
export class WebhookReceiverService {
  constructor(
    private readonly ingest: WebhookIngestService,
    private readonly credentials: WebhookCredentialsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
    @Inject(ThrottlerStorage) private readonly counters: ThrottlerStorage,
  ) {}

  /**
   * Instantly accepts the global INSTANTLY_WEBHOOK_SECRET (platform-managed setups) or an
   * organization's own credential; the other sources their WEBHOOK_SECRET_<SOURCE>. Unknown or
   * unconfigured source: 404; wrong secret: 401; a suspended organization's credential: 403,
   * nothing stored; queue full: 503 with Retry-After.
   */
  private async authorize(source: string, secret: unknown): Promise<ReceiverAuth> {
    const known = (HTTP_WEBHOOK_SOURCES as readonly string[]).includes(source) ? (source as HttpWebhookSource) : null;
    const expected = known ? this.config.webhookSecrets[known] : undefined;
    if (!known || (!expected && known !== 'instantly'))
      throw AppError.notFound(`unknown or unconfigured webhook source: ${source.slice(0, 40)}`);
    if (!this.ingest.hasRoom()) throw AppError.unavailable('too many webhooks waiting to be stored; retry shortly', 5);
    if (expected && secretMatches(secret, expected)) return { source: known, organizationId: null, maxBodyBytes: Number.POSITIVE_INFINITY };
    if (known === 'instantly' && typeof secret === 'string') {
      const owner = await this.credentials.ownerOf(secret);
      if (owner?.suspended)
        throw AppError.forbidden(`organization ${owner.organizationId} is suspended; its credential's events are refused`);
      if (owner) {
        await this.withinRate(owner.organizationId);
        return { source: known, organizationId: owner.organizationId, maxBodyBytes: this.config.webhookCredentialMaxBytes };
      }
    }
    throw AppError.unauthorized('missing or wrong x-webhook-secret');
  }

  /**
   * An organization's own credential sends at most WEBHOOK_CREDENTIAL_BURST events in any window of
   * burst / rate seconds (WEBHOOK_CREDENTIAL_RATE_PER_SECOND on average; beyond, refused for such a
   * window), counted in the throttler's
   * storage: Redis when REDIS_URL is set (one limit for every instance), else this instance's
   * memory. Beyond: 429 with Retry-After, nothing read or stored, so one tenant cannot flood the
   * queue, the table and the workers its neighbours share.
   */
  private async withinRate(organizationId: string): Promise<void> {
    const { webhookCredentialBurst: burst, webhookCredentialRatePerSecond: rate } = this.config;
    const windowMs = Math.max(1000, Math.round((burst / rate) * 1000));
    // Over the burst, the credential is refused for one window (the throttler's block).
    const r = await this.counters.increment(`webhook-credential:${organizationId}`, windowMs, burst, windowMs, 'webhook-credential');
    if (r.isBlocked || r.totalHits > burst) {
      const retryAfter = Math.max(1, r.isBlocked ? r.timeToBlockExpire : r.timeToExpire);
      throw AppError.tooManyRequests(`this credential sent more than ${burst} events in ${windowMs / 1000} s; retry later`, retryAfter);
    }
  }

  /** A body over the sender's limit (an organization's credential has its own, below the global 1 MB): 413, nothing stored. */
  private checkSize(auth: ReceiverAuth, bytes: number): void {
    if (bytes > auth.maxBodyBytes)
      throw AppError.payloadTooLarge(`a body from an organization's credential may have at most ${auth.maxBodyBytes} bytes`);
  }

  private async accept(auth: ReceiverAuth, body: unknown): Promise<{ success: true; data: StoredWebhook }> {
    let event;
    try {
      event = parseIncomingWebhook(auth.source, body);
    } catch (err) {
      if (err instanceof PayloadError) throw AppError.badRequest(err.message);
      throw err;
    }
    if (auth.organizationId) {
      // Bound to the organization whose credential received it: visible to it at once, processed
      // into it only, and deduplicated apart from every other sender's events.
      event.credentialOrgId = auth.organizationId;
      event.dedupKey = createHash('sha256').update(`${auth.organizationId}:${event.dedupKey}`).digest('hex');
    }
    const stored = await this.ingest.store(event);
    (stored.duplicate ? this.metrics.webhooksDeduplicated : this.metrics.webhooksReceived).inc({ source: auth.source });
    return ok(stored);
  }

  /** Counts a refused request; an unknown source is one label value, not whatever the URL said. */
  countRejected(source: string, status: number): void {
    const label = (HTTP_WEBHOOK_SOURCES as readonly string[]).includes(source) ? source : 'unknown';
    this.metrics.webhooksRejected.inc({ source: label, status: String(status) });
  }

  /**
   * Receipt, in the order both request pipelines run it: the source, the secret, room in the queue
   * and the credential's rate from the headers alone, the declared size, and only then the body
   * (readBody): a sender without the secret never gets one read. Then its real size, and it is stored.
   */
  async receive(
    source: string,
    secret: unknown,
    declaredBytes: number,
    readBody: () => Promise<ReceivedBody>,
  ): Promise<{ success: true; data: StoredWebhook }> {
    const auth = await this.authorize(source, secret);
    this.checkSize(auth, declaredBytes);
    const body = await readBody();
    this.checkSize(auth, body.bytes);
    return this.accept(auth, body.value);
  }
}
