import { Module } from '@nestjs/common';
import { InstantlyEventHandler } from './processing/instantly-event.handler';
import { WebhookProcessorService } from './processing/webhook-processor.service';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookMetaController } from './webhook-meta.controller';
import { WebhookReceiverController } from './webhook-receiver.controller';

@Module({
  controllers: [WebhookReceiverController, WebhookMetaController],
  providers: [WebhookIngestService, InstantlyEventHandler, WebhookProcessorService],
  exports: [WebhookProcessorService, WebhookIngestService],
})
export class WebhooksModule {}
