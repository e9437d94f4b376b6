import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, PLATFORM_ROLES, TokenRole } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { UuidPath } from '../common/uuid-param.pipe';
import { NewWebhookCredentialDto, RotateWebhookCredentialDto, WebhookCredentialDto } from './dto/webhook-credential.dto';
import { WebhookCredentialsService } from './webhook-credentials.service';

const PLATFORM_AND_OWNER: readonly TokenRole[] = [...PLATFORM_ROLES, 'owner'];

@ApiTags('Webhooks (credentials)')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown organization (or another one), or no credential yet' })
@Controller('admin/organizations/:id/webhook-credential')
export class WebhookCredentialsController {
  constructor(private readonly credentials: WebhookCredentialsService) {}

  @Get()
  @Authenticated(PLATFORM_AND_OWNER, "The organization's Instantly receiver credential (never the secret)")
  @ApiEnvelope(WebhookCredentialDto)
  async get(@UuidPath('id') id: string): Promise<Envelope<WebhookCredentialDto>> {
    return ok(await this.credentials.get(id));
  }

  @Post()
  @HttpCode(201)
  @Authenticated(
    PLATFORM_AND_OWNER,
    "Generate or rotate the organization's Instantly receiver credential",
    'The secret is in the answer once and never again. Instantly then sends it as `x-webhook-secret` to ' +
      '`POST /api/webhooks/instantly`; an event received with it is written into this organization only ' +
      "(an event naming another workspace than the organization's is `failed`). The previous secret keeps " +
      'working for `grace_hours`.',
  )
  @ApiEnvelope(NewWebhookCredentialDto, { status: 201 })
  async rotate(
    @UuidPath('id') id: string,
    @Body() dto: RotateWebhookCredentialDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Envelope<NewWebhookCredentialDto>> {
    return ok(await this.credentials.rotate(id, dto.grace_hours ?? 24, caller));
  }
}
