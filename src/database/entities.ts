import { ActivityLog } from '../activity/activity-log.entity';
import { UserCampaignAssignment } from '../assignments/user-campaign-assignment.entity';
import { UserContactAssignment } from '../assignments/user-contact-assignment.entity';
import { Campaign } from '../campaigns/campaign.entity';
import { Contact } from '../campaigns/contact.entity';
import { OnboardingLinkToken } from '../onboarding/onboarding-link-token.entity';
import { OnboardingLink } from '../onboarding/onboarding-link.entity';
import { Organization } from '../organizations/organization.entity';
import { JobRun } from '../scheduling/job-run.entity';
import { RemovedUser } from '../users/removed-user.entity';
import { User } from '../users/user.entity';
import { WebhookLogRetry } from '../webhook-logs/webhook-log-retry.entity';
import { WebhookLogStatsDaily } from '../webhook-logs/webhook-log-stats-daily.entity';
import { WebhookLogStatsDelta } from '../webhook-logs/webhook-log-stats-delta.entity';
import { WebhookLogStatsHourly } from '../webhook-logs/webhook-log-stats-hourly.entity';
import { WebhookLogSearchTrigram } from '../webhook-logs/webhook-log-search-trigram.entity';
import { WebhookLogStatsTotal } from '../webhook-logs/webhook-log-stats-total.entity';
import { WebhookLog } from '../webhook-logs/webhook-log.entity';
import { OrganizationWebhookCredential } from '../webhooks/organization-webhook-credential.entity';
import { WebhookLogDedup } from '../webhook-logs/webhook-log-dedup.entity';
import { PrivacySubject } from '../privacy/privacy-subject.entity';

/**
 * One entity per table, each in the module that owns the table. The schema is the migrations';
 * test/schema-diff.e2e-spec.ts checks that TypeORM computes no difference between the two.
 */
export const ENTITIES = [
  Organization,
  User,
  RemovedUser,
  Campaign,
  Contact,
  ActivityLog,
  JobRun,
  OnboardingLink,
  OnboardingLinkToken,
  OrganizationWebhookCredential,
  UserCampaignAssignment,
  UserContactAssignment,
  WebhookLog,
  WebhookLogRetry,
  WebhookLogStatsDelta,
  WebhookLogStatsHourly,
  WebhookLogStatsDaily,
  WebhookLogDedup,
  WebhookLogStatsTotal,
  WebhookLogSearchTrigram,
  PrivacySubject,
];
