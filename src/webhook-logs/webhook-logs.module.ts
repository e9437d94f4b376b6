import { Module } from '@nestjs/common';
import { ExportLimiter, HeavyReadLimiter } from './export-limiter';
import { WebhookLogExportService } from './webhook-log-export.service';
import { WebhookLogRepository } from './webhook-log.repository';
import { WebhookLogRetentionRepository } from './webhook-log-retention.repository';
import { WebhookLogRetryRepository } from './webhook-log-retry.repository';
import { WebhookLogStatsRepository } from './webhook-log-stats.repository';
import { WebhookLogsController } from './webhook-logs.controller';
import { WebhookLogsService } from './webhook-logs.service';
import { WebhookPartitionScheduler } from './webhook-partition.scheduler';
import { WebhookRetentionScheduler } from './webhook-retention.scheduler';
import { WebhookStatsRollup } from './webhook-stats-rollup.service';

@Module({
  controllers: [WebhookLogsController],
  providers: [
    WebhookLogsService,
    WebhookLogRepository,
    WebhookLogRetryRepository,
    WebhookLogRetentionRepository,
    WebhookLogStatsRepository,
    WebhookLogExportService,
    ExportLimiter,
    HeavyReadLimiter,
    WebhookRetentionScheduler,
    WebhookPartitionScheduler,
    WebhookStatsRollup,
  ],
  exports: [
    WebhookLogsService,
    WebhookLogRepository,
    WebhookLogRetryRepository,
    WebhookLogRetentionRepository,
    WebhookLogStatsRepository,
    WebhookStatsRollup,
    ExportLimiter,
    HeavyReadLimiter,
  ],
})
export class WebhookLogsModule {}
