import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OnboardingLink } from './onboarding-link.entity';
import { OnboardingLinkToken } from './onboarding-link-token.entity';
import { OnboardingExpiryScheduler } from './onboarding-expiry.scheduler';
import { OnboardingAdminController } from './onboarding-admin.controller';
import { OnboardingPublicController } from './onboarding-public.controller';
import { OrganizationsModule } from '../organizations/organizations.module';
import { OnboardingLinkRepository } from './onboarding-link.repository';
import { OnboardingService } from './onboarding.service';

@Module({
  imports: [TypeOrmModule.forFeature([OnboardingLink, OnboardingLinkToken]), OrganizationsModule],
  controllers: [OnboardingAdminController, OnboardingPublicController],
  providers: [OnboardingService, OnboardingLinkRepository, OnboardingExpiryScheduler],
  exports: [OnboardingService],
})
export class OnboardingModule {}
