import { Inject, Injectable } from '@nestjs/common';
import { ActivityService } from '../../activity/activity.service';
import { emailHash, ERASED_MARKER, subjectLockKey } from '../../common/personal-data';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ClaimedLog } from '../webhook-event.repository';
import { ErasedSubject, ProcessingRepository, RoutedOrganization } from './processing.repository';
import { ACCOUNT_EVENTS, CAMPAIGN_STATUS_EFFECTS, contactEffectFor } from './event-effects';

export interface HandlerOutcome {
  status: 'processed' | 'skipped';
  organizationId: string | null;
  campaignId: string | null;
  campaignName: string | null;
  message?: string;
  /** A contact seen for the first time in an organization that auto-assigns. */
  newContact?: { id: string; organizationId: string; strategy: string };
}

/** An error processing can explain to an admin; it is retried like any other. */
export class ProcessingError extends Error {}

/** No organization takes the event: retrying will not change that until an admin acts, so it fails at once. */
export class UnroutableEventError extends ProcessingError {}

const text = (v: unknown, max: number): string | null => {
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t ? t.slice(0, max) : null;
};

/** The email an event is about, as receipt stores it in contact_email. */
const subjectEmail = (p: Record<string, unknown>): string | null =>
  text(p.lead_email ?? p.email ?? p.contact_email, 320)?.toLowerCase() ?? null;

/**
 * Keeps the CRM current from Instantly events. Runs inside the worker's transaction as `system`;
 * if anything throws, every change of this event rolls back together with its status update.
 */
@Injectable()
export class InstantlyEventHandler {
  constructor(
    private readonly events: ProcessingRepository,
    private readonly activity: ActivityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(log: ClaimedLog): Promise<HandlerOutcome> {
    if (log.event_source !== 'instantly') {
      return {
        status: 'skipped',
        organizationId: null,
        campaignId: null,
        campaignName: null,
        message: `no handler for source ${log.event_source}`,
      };
    }
    const p = log.payload;
    const instantlyCampaignId = text(p.campaign_id, 100);
    const org = await this.route(log, instantlyCampaignId);
    let campaign: { id: string; name: string } | null = null;
    if (instantlyCampaignId) {
      campaign = await this.events.upsertInstantlyCampaign(
        org.id,
        text(p.campaign_name, 300),
        instantlyCampaignId,
        CAMPAIGN_STATUS_EFFECTS[log.event_type] ?? null,
        // Only the platform's routing makes a campaign id route (migration CampaignRouting).
        log.credential_org_id === null,
      );
    }
    if (ACCOUNT_EVENTS.has(log.event_type)) await this.recordAccountEvent(log, org.id);
    const newContact = await this.applyToContact(log, org, campaign?.id ?? null);
    return {
      status: 'processed',
      organizationId: org.id,
      campaignId: campaign?.id ?? null,
      campaignName: campaign?.name ?? null,
      newContact,
    };
  }

  /** The organization the event is processed into (see the operations guide, "Routing"); none: an error that keeps it retriable. */
  private async route(log: ClaimedLog, instantlyCampaignId: string | null): Promise<RoutedOrganization> {
    const workspace = text(log.payload.workspace, 100);
    const org = log.credential_org_id
      ? await this.credentialOrganization(log.credential_org_id, workspace)
      : await this.resolveOrganization(workspace, instantlyCampaignId);
    if (!org) {
      throw new UnroutableEventError(
        `no organization is mapped to Instantly workspace "${workspace ?? '(none)'}"` +
          (instantlyCampaignId ? ` or campaign "${instantlyCampaignId}"` : '') +
          `: a platform admin sets instantly_workspace_id on the organization (PATCH /api/admin/organizations/:id), then retries this log`,
      );
    }
    return org;
  }

  /** A sending account's event (warm-up, health): recorded in the organization's activity. */
  private async recordAccountEvent(log: ClaimedLog, organizationId: string): Promise<void> {
    const p = log.payload;
    await this.activity.record({
      action: log.event_type,
      organizationId,
      actorId: null,
      actorRole: 'system',
      targetType: 'email_account',
      details: {
        webhook_log_id: log.id,
        email_account: text(p.email_account, 320),
        message: text(p.message ?? p.error ?? p.warning ?? p.reason ?? p.description, 2000),
      },
    });
  }

  /**
   * The event's effect on its lead's contact, if it has one. The lead's erasure (src/privacy) is
   * checked by the contact upsert itself, which writes nothing for an erased lead (the log is then
   * redacted); an event that writes no contact asks on its own.
   */
  private async applyToContact(log: ClaimedLog, org: RoutedOrganization, campaignId: string | null): Promise<HandlerOutcome['newContact']> {
    const p = log.payload;
    const effect = contactEffectFor(log.event_type, log.raw_event_type);
    const email = text(p.lead_email, 320)?.toLowerCase() ?? null;
    const subject = this.subjectOf(log, org.id);
    if (!effect || !email || email === ERASED_MARKER) {
      if (subject && (await this.events.isErasedSubject(subject))) await this.events.redactLog(log.id);
      return undefined;
    }
    const c = (n: string) => (effect.counter === n ? 1 : 0);
    const row = await this.events.upsertContact(
      {
        organizationId: org.id,
        email,
        firstName: text(p.firstName ?? p.first_name, 100),
        lastName: text(p.lastName ?? p.last_name, 100),
        company: text(p.companyName ?? p.company_name ?? p.company, 200),
        campaignId,
        scoreDelta: effect.scoreDelta,
        leadStatus: effect.leadStatus ?? null,
        emailsSent: c('emails_sent'),
        opens: c('opens'),
        clicks: c('clicks'),
        replies: c('replies'),
        bounced: effect.bounced ?? false,
        unsubscribed: effect.unsubscribed ?? false,
        at: this.eventTime(p.timestamp),
      },
      subject,
    );
    if (!row) await this.events.redactLog(log.id);
    else if (row.inserted && org.auto_assign_strategy) return { id: row.id, organizationId: org.id, strategy: org.auto_assign_strategy };
    return undefined;
  }

  /**
   * An event received with an organization's own credential goes into that organization or
   * nowhere: a workspace other than the one a platform admin mapped to it fails.
   */
  private async credentialOrganization(orgId: string, workspace: string | null): Promise<RoutedOrganization> {
    const org = await this.events.organizationById(orgId);
    if (!org) throw new UnroutableEventError(`the organization ${orgId} whose credential received this event no longer exists`);
    if (workspace && org.instantly_workspace_id !== workspace) {
      throw new UnroutableEventError(
        `Instantly workspace "${workspace}" is not the workspace of the organization whose credential received this event ` +
          `(${org.instantly_workspace_id ? `"${org.instantly_workspace_id}"` : 'none mapped'}); an event received with an ` +
          `organization's credential is written into that organization only. A platform admin sets instantly_workspace_id.`,
      );
    }
    return { id: org.id, auto_assign_strategy: org.auto_assign_strategy };
  }

  /**
   * The advisory lock the event's transaction takes first, with the log's lease and before its row
   * lock (holdLease): an erasure of the same email takes it first too, so the two run one after the
   * other, whichever came first, and never lock each other's rows in the opposite order. Null when
   * the event carries no email.
   */
  subjectLock(log: ClaimedLog): string | null {
    if (log.event_source !== 'instantly') return null;
    const subject = subjectEmail(log.payload);
    return subject === null || subject === ERASED_MARKER ? null : subjectLockKey(emailHash(this.config.privacyHashKey, subject));
  }

  /**
   * Which erasure record would cover the event's lead (GDPR, src/privacy): a suppressed email, or
   * one erased after this event arrived (it waited while the erasure ran). Such an event is stored
   * redacted, as the erasure left the others, and creates no contact. Read after the worker took
   * the subject's lock (holdLease), so an erasure that committed meanwhile is seen.
   */
  private subjectOf(log: ClaimedLog, orgId: string): ErasedSubject | null {
    const subject = subjectEmail(log.payload);
    if (subject === null || subject === ERASED_MARKER) return null;
    return { organizationId: orgId, emailHash: emailHash(this.config.privacyHashKey, subject), receivedAt: log.created_at };
  }

  private async resolveOrganization(workspace: string | null, instantlyCampaignId: string | null): Promise<RoutedOrganization | null> {
    if (workspace) {
      const org = await this.events.organizationByWorkspace(workspace);
      if (org) return org;
    }
    if (instantlyCampaignId) {
      // Only when the campaign id names exactly one organization's campaign.
      const rows = await this.events.organizationsByInstantlyCampaign(instantlyCampaignId);
      if (rows.length === 1) return rows[0];
    }
    return null;
  }

  private eventTime(v: unknown): Date {
    if (typeof v === 'string' || typeof v === 'number') {
      const d = new Date(v);
      if (!Number.isNaN(d.getTime()) && d.getUTCFullYear() > 2000 && d.getUTCFullYear() < 2200) return d;
    }
    return new Date();
  }
}
