import { Module } from '@nestjs/common';
import { CampaignsController } from './campaigns.controller';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CampaignRepository } from './campaign.repository';
import { CampaignsService } from './campaigns.service';

@Module({
  imports: [OrganizationsModule],
  controllers: [CampaignsController],
  providers: [CampaignsService, CampaignRepository],
  exports: [CampaignsService],
})
export class CampaignsModule {}
