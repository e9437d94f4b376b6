import { Module } from '@nestjs/common';
import { WebhookLogsModule } from '../webhook-logs/webhook-logs.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({ imports: [WebhookLogsModule], controllers: [MetricsController], providers: [MetricsService] })
export class MetricsModule {}
