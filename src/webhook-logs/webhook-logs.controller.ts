import { Body, Controller, Delete, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiEnvelope, ApiFlat, Envelope } from '../common/api-envelope';
import {
  BulkRetryResultDto,
  CleanupResultDto,
  ExportedLogDto,
  RetriedLogDto,
  WebhookLogDetailDto,
  WebhookLogPageDto,
  WebhookStatsDto,
} from './dto/webhook-log.response.dto';
import type { Response } from 'express';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { UuidPath } from '../common/uuid-param.pipe';
import {
  BulkRetryDto,
  CleanupQueryDto,
  ExportWebhookLogsQueryDto,
  ListWebhookLogsQueryDto,
  RetryLogDto,
  WebhookStatsQueryDto,
} from './dto/log-filter.dto';
import { WebhookLogExportService } from './webhook-log-export.service';
import { TOTAL_CAP, WebhookLogsService } from './webhook-logs.service';

const LOG_READERS = RoleGroups.readers;

@ApiTags('Webhook logs')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin/webhooks')
export class WebhookLogsController {
  constructor(
    private readonly logs: WebhookLogsService,
    private readonly exporter: WebhookLogExportService,
  ) {}

  @Get('logs')
  @Authenticated(LOG_READERS, 'List webhook logs, newest first, with filters and offset or cursor paging')
  @ApiEnvelope(WebhookLogPageDto, {
    description:
      `total is exact up to ${TOTAL_CAP} matches ` +
      `(an exact count over millions of rows would cost more than the page); beyond that total is ${TOTAL_CAP} and total_capped is true. ` +
      'has_more is always exact. Pass next_cursor as cursor for pages without gaps or repeats while new events arrive. ' +
      'retry_queued_at is set while a bulk retry by filter has queued the log and no worker has taken it yet.',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorBodyDto,
    description:
      'Too many expensive reads of this organization (or caller) running: a search the index cannot serve, filtered stats, a bulk retry by filter; Retry-After says when to try again',
  })
  async list(@Query() q: ListWebhookLogsQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<WebhookLogPageDto>> {
    return ok(await this.logs.list(q, caller));
  }

  @Get('logs/export')
  @Authenticated(RoleGroups.managers, 'Export webhook logs as CSV or JSON (streamed, no row cap)')
  @ApiProduces('text/csv', 'application/json')
  @ApiExtraModels(ExportedLogDto)
  @ApiOkResponse({
    description:
      'A download: Content-Disposition attachment; filename=webhook_logs_YYYYMMDD_HHMMSS.csv|json. CSV columns ' +
      'id,event_type,event_source,campaign_name,contact_email,status,error_message,created_at; cells starting with = + - @ are ' +
      'prefixed with an apostrophe. JSON: an array of logs.',
    content: {
      'text/csv': { schema: { type: 'string' } },
      'application/json': { schema: { type: 'array', items: { $ref: getSchemaPath(ExportedLogDto) } } },
    },
  })
  @ApiTooManyRequestsResponse({
    type: ErrorBodyDto,
    description: 'Too many exports running (in all, or for this organization); Retry-After says when to try again',
  })
  async export(@Query() q: ExportWebhookLogsQueryDto, @CurrentCaller() caller: Caller, @Res() res: Response) {
    await this.exporter.export(q, caller, res);
  }

  @Get('stats')
  @Authenticated(LOG_READERS, 'Webhook statistics: totals by status, event type and source, failure rate, time buckets')
  @ApiEnvelope(WebhookStatsDto)
  @ApiTooManyRequestsResponse({
    type: ErrorBodyDto,
    description:
      'Too many expensive reads of this organization (or caller) running: a search the index cannot serve, filtered stats, a bulk retry by filter; Retry-After says when to try again',
  })
  async stats(@Query() q: WebhookStatsQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<WebhookStatsDto>> {
    return ok(await this.logs.stats(q, caller));
  }

  @Post('logs/bulk-retry')
  @HttpCode(200)
  @Authenticated(
    RoleGroups.platform,
    'Retry many logs at once, by ids (1..10000) or by the list filter',
    'By `log_ids`: each failed or skipped log (processed too with `force: true`) is back to `pending` when the answer ' +
      'arrives; the others count as failed, with the reasons. By `filter` (any number of logs): the matching logs are ' +
      'queued in one statement and a worker takes them in the order they were queued; until then each keeps its status ' +
      'and shows `retry_queued_at` in the list and the detail. Logs already queued count as failed (`already_queued`). ' +
      '`dry_run: true` answers how many would be retried and changes nothing.',
  )
  @ApiFlat(BulkRetryResultDto)
  @ApiTooManyRequestsResponse({
    type: ErrorBodyDto,
    description:
      'Too many expensive reads of this organization (or caller) running: a search the index cannot serve, filtered stats, a bulk retry by filter; Retry-After says when to try again',
  })
  async bulkRetry(@Body() dto: BulkRetryDto, @CurrentCaller() caller: Caller): Promise<BulkRetryResultDto> {
    return this.logs.bulkRetry(dto, caller);
  }

  @Delete('logs/cleanup')
  @Authenticated(RoleGroups.sbAdmin, 'Delete logs older than N days (in bounded batches)')
  @ApiFlat(CleanupResultDto)
  async cleanup(@Query() q: CleanupQueryDto, @CurrentCaller() caller: Caller): Promise<CleanupResultDto> {
    return this.logs.cleanup(q, caller);
  }

  @Get('logs/:id')
  @Authenticated(LOG_READERS, 'One webhook log with its payload and attempt history')
  @ApiEnvelope(WebhookLogDetailDto)
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async detail(@UuidPath('id') id: string): Promise<Envelope<WebhookLogDetailDto>> {
    return ok(await this.logs.detail(id));
  }

  @Post('logs/:id/retry')
  @HttpCode(200)
  @Authenticated(RoleGroups.platform, 'Put a failed or skipped log back to pending (force: true for a processed one)')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Already pending or processing, or processed without force' })
  @ApiEnvelope(RetriedLogDto)
  async retry(@UuidPath('id') id: string, @Body() dto: RetryLogDto, @CurrentCaller() caller: Caller): Promise<Envelope<RetriedLogDto>> {
    return ok(await this.logs.retry(id, dto.force ?? false, caller));
  }
}
