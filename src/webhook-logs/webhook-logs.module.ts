import { Module } from '@nestjs/common';
import { WebhookLogExportService } from './webhook-log-export.service';
import { WebhookLogsController } from './webhook-logs.controller';
import { WebhookLogsService } from './webhook-logs.service';

@Module({ controllers: [WebhookLogsController], providers: [WebhookLogsService, WebhookLogExportService], exports: [WebhookLogsService] })
export class WebhookLogsModule {}
