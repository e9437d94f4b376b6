import { Module } from '@nestjs/common';
import { OnboardingExpiryScheduler } from './onboarding-expiry.scheduler';
import { OnboardingAdminController, OnboardingPublicController } from './onboarding.controller';
import { OnboardingService } from './onboarding.service';

@Module({
  controllers: [OnboardingAdminController, OnboardingPublicController],
  providers: [OnboardingService, OnboardingExpiryScheduler],
  exports: [OnboardingService],
})
export class OnboardingModule {}
