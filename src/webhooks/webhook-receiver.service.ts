import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { ok } from '../common/api-envelope';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig, HTTP_WEBHOOK_SOURCES, HttpWebhookSource } from '../config/app-config';
import { APP_METRICS, AppMetrics } from '../metrics/app-metrics';
import { WebhookCredentialsService } from './webhook-credentials.service';
import { StoredWebhook, WebhookIngestService } from './webhook-ingest.service';
import { parseIncomingWebhook, PayloadError } from './webhook-payload';
import { secretMatches } from './webhook-secrets';

/** Who sent a webhook: the source, and the organization whose own credential was presented (else null: the global secret). */
export interface ReceiverAuth {
  source: HttpWebhookSource;
  organizationId: string | null;
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
  ) {}

  /**
   * Instantly accepts the global INSTANTLY_WEBHOOK_SECRET (platform-managed setups) or an
   * organization's own credential; the other sources their WEBHOOK_SECRET_<SOURCE>. Unknown or
   * unconfigured source: 404; wrong secret: 401; queue full: 503 with Retry-After.
   */
  async authorize(source: string, secret: unknown): Promise<ReceiverAuth> {
    const known = (HTTP_WEBHOOK_SOURCES as readonly string[]).includes(source) ? (source as HttpWebhookSource) : null;
    const expected = known ? this.config.webhookSecrets[known] : undefined;
    if (!known || (!expected && known !== 'instantly')) throw AppError.notFound(`unknown or unconfigured webhook source: ${source.slice(0, 40)}`);
    if (!this.ingest.hasRoom()) throw AppError.unavailable('too many webhooks waiting to be stored; retry shortly', 5);
    if (expected && secretMatches(secret, expected)) return { source: known, organizationId: null };
    if (known === 'instantly' && typeof secret === 'string') {
      const organizationId = await this.credentials.organizationFor(secret);
      if (organizationId) return { source: known, organizationId };
    }
    throw AppError.unauthorized('missing or wrong x-webhook-secret');
  }

  async accept(auth: ReceiverAuth, body: unknown): Promise<{ success: true; data: StoredWebhook }> {
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

  async receive(source: string, secret: unknown, body: unknown): Promise<{ success: true; data: StoredWebhook }> {
    return this.accept(await this.authorize(source, secret), body);
  }
}
