import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, NoRequestTransaction } from '../auth/auth.decorators';
import { RoleGroups } from '../auth/roles';
import { ok } from '../common/paging';
import { APP_CONFIG, AppConfig, HTTP_WEBHOOK_SOURCES, HttpWebhookSource } from '../config/app-config';
import { EVENT_TYPES, WEBHOOK_SOURCES } from './event-types';

@ApiTags('Webhook logs')
@Controller('admin/webhooks')
@NoRequestTransaction()
export class WebhookMetaController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('event-types')
  @Authenticated(RoleGroups.anyAdmin, 'Event types for the portal dropdown (canonical names with their native aliases)')
  @ApiOkResponse({ schema: { example: { success: true, data: [{ value: 'email.opened', native: ['email_opened'], category: 'email', description: 'An email was opened' }] } } })
  eventTypes() {
    return ok(EVENT_TYPES.map((e) => ({ value: e.canonical, native: e.native, category: e.category, description: e.description })));
  }

  @Get('sources')
  @Authenticated(RoleGroups.anyAdmin, 'Webhook sources for the portal dropdown')
  @ApiOkResponse({ schema: { example: { success: true, data: [{ value: 'instantly', receives_http: true, configured: true }] } } })
  sources() {
    return ok(
      WEBHOOK_SOURCES.map((s) => {
        const http = (HTTP_WEBHOOK_SOURCES as readonly string[]).includes(s);
        return { value: s, receives_http: http, configured: http ? Boolean(this.config.webhookSecrets[s as HttpWebhookSource]) : true };
      }),
    );
  }
}
