import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PrivacySubject } from './privacy-subject.entity';
import { OrganizationsModule } from '../organizations/organizations.module';
import { WebhookLogsModule } from '../webhook-logs/webhook-logs.module';
import { PrivacyController } from './privacy.controller';
import { PrivacyRepository } from './privacy.repository';
import { PrivacyService } from './privacy.service';

/** A lead's personal data on request: subject access and erasure (GDPR Art. 15 and 17). */
@Module({
  imports: [TypeOrmModule.forFeature([PrivacySubject]), OrganizationsModule, WebhookLogsModule],
  controllers: [PrivacyController],
  providers: [PrivacyService, PrivacyRepository],
})
export class PrivacyModule {}
