import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiForbiddenResponse,
  ApiParam,
  ApiSecurity,
  ApiTooManyRequestsResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { NoRequestTransaction, Public } from '../auth/auth.decorators';
import { ApiEnvelope } from '../common/api-envelope';
import { ErrorBodyDto } from '../common/error-body.dto';
import { MAX_JSON_DEPTH } from '../common/json-limits';
import { WEBHOOK_SECRET_SCHEME } from '../common/openapi-document';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from './webhook-payload';
import { StoredWebhookDto } from './dto/webhook.dto';
import { HTTP_WEBHOOK_SOURCES } from '../config/app-config';
import { ReceivedBody, WebhookReceiverService } from './webhook-receiver.service';

/** Any JSON object with an event type; every other field is kept as sent. */
const RECEIVER_BODY = {
  type: 'object' as const,
  required: ['event_type'],
  properties: {
    event_type: {
      type: 'string' as const,
      minLength: 1,
      maxLength: EVENT_TYPE_MAX_LENGTH,
      pattern: EVENT_TYPE_PATTERN,
      description: 'Canonical (email.opened) or native (email_opened); not only white space',
    },
  },
  additionalProperties: true,
  description: `Any JSON object with an event type, nested at most ${MAX_JSON_DEPTH} levels deep; every other field is kept as sent`,
};

/**
 * The receivers: public (each source has its own secret; Instantly also each organization's
 * credential), no request transaction, any content type parsed as JSON (see http-setup.ts). In the running service the
 * declared edge (src/http/webhook-receiver.fast-path.ts) answers these routes ahead of Express and Nest, through receive() below.
 */
@ApiTags('Webhooks (receivers)')
@Controller('webhooks')
@NoRequestTransaction()
export class WebhookReceiverController {
  constructor(private readonly receiver: WebhookReceiverService) {}

  @Post('instantly')
  @HttpCode(200)
  @Public('Receive an Instantly webhook')
  @ApiSecurity(WEBHOOK_SECRET_SCHEME)
  @ApiBody({
    schema: {
      ...RECEIVER_BODY,
      example: {
        event_type: 'email_opened',
        timestamp: '2026-11-25T10:00:00.000Z',
        workspace: 'b7c1…',
        campaign_id: 'c1…',
        campaign_name: 'Q1',
        lead_email: 'lead@example.com',
      },
    },
  })
  @ApiEnvelope(StoredWebhookDto, { description: 'Stored (or already stored: duplicate true, same id)' })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'Missing or wrong secret; nothing stored' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: "The credential's organization is suspended; nothing stored" })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description: 'Not JSON, not an object, nested deeper than 64 levels, or no event_type; nothing stored',
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorBodyDto,
    description: "Body over 1 MB, or over WEBHOOK_CREDENTIAL_MAX_BYTES with an organization's credential; nothing stored",
  })
  @ApiTooManyRequestsResponse({
    type: ErrorBodyDto,
    description:
      "An organization's credential sent more than its rate allows (WEBHOOK_CREDENTIAL_RATE_PER_SECOND, WEBHOOK_CREDENTIAL_BURST); Retry-After says when to send again; nothing stored",
  })
  @ApiServiceUnavailableResponse({
    type: ErrorBodyDto,
    description: 'Database unavailable or too many events waiting (Retry-After): not stored, the sender should retry',
  })
  receiveInstantly(
    @Headers('x-webhook-secret') secret: string | undefined,
    @Headers('content-length') length: string | undefined,
    @Body() body: unknown,
  ) {
    return this.receive('instantly', secret, length, () => Promise.resolve({ value: body, bytes: Number(length ?? 0) }));
  }

  @Post(':source')
  @HttpCode(200)
  @Public('Receive a webhook from weconnect, n8n, zapier, make or custom')
  @ApiParam({ name: 'source', enum: HTTP_WEBHOOK_SOURCES.filter((s) => s !== 'instantly') })
  @ApiSecurity(WEBHOOK_SECRET_SCHEME)
  @ApiBody({ schema: RECEIVER_BODY })
  @ApiEnvelope(StoredWebhookDto, { description: 'Stored (or already stored: duplicate true, same id)' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown or unconfigured source' })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'Missing or wrong secret; nothing stored' })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Not JSON, not an object, nested too deep, or no event_type; nothing stored' })
  @ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: 'Body over 1 MB' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'Database unavailable or too many events waiting (Retry-After)' })
  receiveOther(
    @Param('source') source: string,
    @Headers('x-webhook-secret') secret: string | undefined,
    @Headers('content-length') length: string | undefined,
    @Body() body: unknown,
  ) {
    return this.receive(source, secret, length, () => Promise.resolve({ value: body, bytes: Number(length ?? 0) }));
  }

  /**
   * The one handler of a receipt, whichever pipeline runs it: the routes above (Nest's, with the
   * body read and parsed already) and the declared edge (src/http/webhook-receiver.fast-path.ts),
   * which reads the body only when receipt asks for it, after the headers passed.
   */
  receive(source: string, secret: unknown, length: string | undefined, readBody: () => Promise<ReceivedBody>) {
    return this.receiver.receive(source, secret, Number(length ?? 0), readBody);
  }
}
