import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Campaign } from './campaign.entity';
import { Contact } from './contact.entity';
import { CampaignsController } from './campaigns.controller';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CampaignRepository } from './campaign.repository';
import { CampaignsService } from './campaigns.service';

@Module({
  imports: [TypeOrmModule.forFeature([Campaign, Contact]), OrganizationsModule],
  controllers: [CampaignsController],
  providers: [CampaignsService, CampaignRepository],
  exports: [CampaignsService],
})
export class CampaignsModule {}
