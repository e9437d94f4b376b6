import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { Authenticated, NoRequestTransaction } from '../auth/auth.decorators';
import { RoleGroups } from '../auth/roles';
import { ok } from '../common/paging';
import { APP_CONFIG, AppConfig, HTTP_WEBHOOK_SOURCES, HttpWebhookSource } from '../config/app-config';
import { EventTypeDto, WebhookSourceDto } from './dto/webhook.dto';
import { EVENT_TYPES, WEBHOOK_SOURCES } from './event-types';

@ApiTags('Webhook logs')
@Controller('admin/webhooks')
@NoRequestTransaction()
export class WebhookMetaController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('event-types')
  @Authenticated(RoleGroups.anyAdmin, 'Event types for the portal dropdown (canonical names with their native aliases)')
  @ApiEnvelope(EventTypeDto, { isArray: true })
  eventTypes(): Envelope<EventTypeDto[]> {
    return ok(EVENT_TYPES.map((e) => ({ value: e.canonical, native: e.native, category: e.category, description: e.description })));
  }

  @Get('sources')
  @Authenticated(RoleGroups.anyAdmin, 'Webhook sources for the portal dropdown')
  @ApiEnvelope(WebhookSourceDto, { isArray: true })
  sources(): Envelope<WebhookSourceDto[]> {
    return ok(
      WEBHOOK_SOURCES.map((s) => {
        const http = (HTTP_WEBHOOK_SOURCES as readonly string[]).includes(s);
        return { value: s, receives_http: http, configured: http ? Boolean(this.config.webhookSecrets[s as HttpWebhookSource]) : true };
      }),
    );
  }
}
