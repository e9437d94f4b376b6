import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookLog } from './webhook-log.entity';
import { WebhookLogDedup } from './webhook-log-dedup.entity';
import { WebhookLogRetry } from './webhook-log-retry.entity';
import { WebhookLogSearchTrigram } from './webhook-log-search-trigram.entity';
import { WebhookLogStatsDaily } from './webhook-log-stats-daily.entity';
import { WebhookLogStatsDelta } from './webhook-log-stats-delta.entity';
import { WebhookLogStatsHourly } from './webhook-log-stats-hourly.entity';
import { WebhookLogStatsTotal } from './webhook-log-stats-total.entity';
import { ExportLimiter, HeavyReadLimiter } from './export-limiter';
import { WebhookLogExportRepository } from './webhook-log-export.repository';
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
  imports: [
    TypeOrmModule.forFeature([
      WebhookLog,
      WebhookLogDedup,
      WebhookLogRetry,
      WebhookLogSearchTrigram,
      WebhookLogStatsDaily,
      WebhookLogStatsDelta,
      WebhookLogStatsHourly,
      WebhookLogStatsTotal,
    ]),
  ],
  controllers: [WebhookLogsController],
  providers: [
    WebhookLogsService,
    WebhookLogRepository,
    WebhookLogRetryRepository,
    WebhookLogRetentionRepository,
    WebhookLogStatsRepository,
    WebhookLogExportService,
    WebhookLogExportRepository,
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
