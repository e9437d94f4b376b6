import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationWebhookCredential } from './organization-webhook-credential.entity';
import { InstantlyEventHandler } from './processing/instantly-event.handler';
import { WebhookProcessorService } from './processing/webhook-processor.service';
import { WebhookCredentialsController } from './webhook-credentials.controller';
import { OrganizationsModule } from '../organizations/organizations.module';
import { WebhookCredentialsService } from './webhook-credentials.service';
import { WebhookEventRepository } from './webhook-event.repository';
import { WebhookCredentialRepository } from './webhook-credential.repository';
import { ProcessingRepository } from './processing/processing.repository';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookMetaController } from './webhook-meta.controller';
import { WebhookReceiverController } from './webhook-receiver.controller';
import { WebhookReceiverService } from './webhook-receiver.service';

@Module({
  imports: [TypeOrmModule.forFeature([OrganizationWebhookCredential]), OrganizationsModule],
  controllers: [WebhookReceiverController, WebhookMetaController, WebhookCredentialsController],
  providers: [
    WebhookEventRepository,
    WebhookCredentialRepository,
    ProcessingRepository,
    WebhookIngestService,
    WebhookCredentialsService,
    WebhookReceiverService,
    InstantlyEventHandler,
    WebhookProcessorService,
  ],
  exports: [WebhookProcessorService, WebhookIngestService],
})
export class WebhooksModule {}
