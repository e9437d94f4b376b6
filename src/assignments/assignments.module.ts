import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserCampaignAssignment } from './user-campaign-assignment.entity';
import { UserContactAssignment } from './user-contact-assignment.entity';
import { WebhookProcessorService } from '../webhooks/processing/webhook-processor.service';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AssignmentsController } from './assignments.controller';
import { OrganizationsModule } from '../organizations/organizations.module';
import { AssignmentListRepository } from './assignment-list.repository';
import { AssignmentRepository } from './assignment.repository';
import { AssignmentsService } from './assignments.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserCampaignAssignment, UserContactAssignment]), WebhooksModule, OrganizationsModule],
  controllers: [AssignmentsController],
  providers: [AssignmentsService, AssignmentRepository, AssignmentListRepository],
  exports: [AssignmentsService],
})
export class AssignmentsModule implements OnModuleInit {
  constructor(
    private readonly processor: WebhookProcessorService,
    private readonly assignments: AssignmentsService,
  ) {}

  /** Processing assigns contacts it creates in organizations that auto-assign. */
  onModuleInit(): void {
    this.processor.setNewContactHook((c) => this.assignments.assignNewContact(c.id, c.organizationId, c.strategy));
  }
}
