import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig, HTTP_WEBHOOK_SOURCES, HttpWebhookSource } from '../config/app-config';
import { StoredWebhook, WebhookIngestService } from './webhook-ingest.service';
import { parseIncomingWebhook, PayloadError } from './webhook-payload';
import { secretMatches } from './webhook-secrets';

/**
 * Receipt only: check the source and its secret, validate the shape, store durably, answer.
 * Mapping to an organization and all CRM work happen later in the workers.
 */
@Injectable()
export class WebhookReceiverService {
  constructor(
    private readonly ingest: WebhookIngestService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async receive(source: string, secret: unknown, body: unknown): Promise<{ success: true; data: StoredWebhook }> {
    const known = (HTTP_WEBHOOK_SOURCES as readonly string[]).includes(source) ? (source as HttpWebhookSource) : null;
    const expected = known ? this.config.webhookSecrets[known] : undefined;
    if (!known || !expected) throw AppError.notFound(`unknown or unconfigured webhook source: ${source.slice(0, 40)}`);
    if (!secretMatches(secret, expected)) throw AppError.unauthorized('missing or wrong x-webhook-secret');
    let event;
    try {
      event = parseIncomingWebhook(known, body);
    } catch (err) {
      if (err instanceof PayloadError) throw AppError.badRequest(err.message);
      throw err;
    }
    return { success: true, data: await this.ingest.store(event) };
  }
}
