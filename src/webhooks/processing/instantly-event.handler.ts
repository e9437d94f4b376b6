import { Injectable } from '@nestjs/common';
import { ActivityService } from '../../activity/activity.service';
import { Db } from '../../database/db.service';
import { ACCOUNT_EVENTS, CAMPAIGN_STATUS_EFFECTS, contactEffectFor } from './event-effects';

export interface ClaimedLog {
  id: string;
  event_source: string;
  event_type: string;
  raw_event_type: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
  /** The organization whose own credential received the event (null: the global secret). */
  credential_org_id: string | null;
}

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

type RoutedOrganization = { id: string; auto_assign_strategy: string | null };

const text = (v: unknown, max: number): string | null => {
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t ? t.slice(0, max) : null;
};

/**
 * Keeps the CRM current from Instantly events. Runs inside the worker's transaction as `system`;
 * if anything throws, every change of this event rolls back together with its status update.
 */
@Injectable()
export class InstantlyEventHandler {
  constructor(
    private readonly db: Db,
    private readonly activity: ActivityService,
  ) {}

  async handle(log: ClaimedLog): Promise<HandlerOutcome> {
    if (log.event_source !== 'instantly') {
      return { status: 'skipped', organizationId: null, campaignId: null, campaignName: null, message: `no handler for source ${log.event_source}` };
    }
    const p = log.payload;
    const workspace = text(p.workspace, 100);
    const instantlyCampaignId = text(p.campaign_id, 100);
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
    const at = this.eventTime(p.timestamp);

    let campaign: { id: string; name: string } | null = null;
    if (instantlyCampaignId) {
      campaign = (await this.db.one<{ id: string; name: string }>(
        `INSERT INTO campaign (organization_id, name, instantly_campaign_id, status)
         VALUES ($1, coalesce($2, 'Instantly campaign ' || $3), $3, coalesce($4, 'active'))
         ON CONFLICT ON CONSTRAINT uq_campaign_instantly DO UPDATE
           SET name = coalesce($2, campaign.name), status = coalesce($4, campaign.status), updated_at = now()
         RETURNING id, name`,
        [org.id, text(p.campaign_name, 300), instantlyCampaignId, CAMPAIGN_STATUS_EFFECTS[log.event_type] ?? null],
      ))!;
    }

    if (ACCOUNT_EVENTS.has(log.event_type)) {
      await this.activity.record({
        action: log.event_type,
        organizationId: org.id,
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

    let newContact: HandlerOutcome['newContact'];
    const effect = contactEffectFor(log.event_type, log.raw_event_type);
    const email = text(p.lead_email, 320)?.toLowerCase() ?? null;
    if (effect && email) {
      const c = (n: string) => (effect.counter === n ? 1 : 0);
      const row = await this.db.one<{ id: string; inserted: boolean }>(
        `INSERT INTO contact (organization_id, email, first_name, last_name, company, campaign_id, lead_score, lead_status,
                              emails_sent, opens, clicks, replies, bounced, unsubscribed, last_event_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (organization_id, lower(email)) DO UPDATE SET
           first_name = coalesce(EXCLUDED.first_name, contact.first_name),
           last_name = coalesce(EXCLUDED.last_name, contact.last_name),
           company = coalesce(EXCLUDED.company, contact.company),
           campaign_id = coalesce(EXCLUDED.campaign_id, contact.campaign_id),
           lead_score = contact.lead_score + EXCLUDED.lead_score,
           lead_status = coalesce(EXCLUDED.lead_status, contact.lead_status),
           emails_sent = contact.emails_sent + EXCLUDED.emails_sent,
           opens = contact.opens + EXCLUDED.opens,
           clicks = contact.clicks + EXCLUDED.clicks,
           replies = contact.replies + EXCLUDED.replies,
           bounced = contact.bounced OR EXCLUDED.bounced,
           unsubscribed = contact.unsubscribed OR EXCLUDED.unsubscribed,
           last_event_at = greatest(contact.last_event_at, EXCLUDED.last_event_at),
           updated_at = now()
         RETURNING id, (xmax = 0) AS inserted`,
        [
          org.id,
          email,
          text(p.firstName ?? p.first_name, 100),
          text(p.lastName ?? p.last_name, 100),
          text(p.companyName ?? p.company_name ?? p.company, 200),
          campaign?.id ?? null,
          effect.scoreDelta,
          effect.leadStatus ?? null,
          c('emails_sent'),
          c('opens'),
          c('clicks'),
          c('replies'),
          effect.bounced ?? false,
          effect.unsubscribed ?? false,
          at,
        ],
      );
      if (row?.inserted && org.auto_assign_strategy) {
        newContact = { id: row.id, organizationId: org.id, strategy: org.auto_assign_strategy };
      }
    }
    return { status: 'processed', organizationId: org.id, campaignId: campaign?.id ?? null, campaignName: campaign?.name ?? null, newContact };
  }

  /**
   * An event received with an organization's own credential goes into that organization or
   * nowhere: a workspace other than the one a platform admin mapped to it fails.
   */
  private async credentialOrganization(orgId: string, workspace: string | null): Promise<RoutedOrganization> {
    const org = await this.db.one<RoutedOrganization & { instantly_workspace_id: string | null }>(
      `SELECT id, auto_assign_strategy, instantly_workspace_id FROM organization WHERE id = $1`,
      [orgId],
    );
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

  private async resolveOrganization(workspace: string | null, instantlyCampaignId: string | null): Promise<RoutedOrganization | null> {
    if (workspace) {
      const org = await this.db.one<RoutedOrganization>(
        `SELECT id, auto_assign_strategy FROM organization WHERE instantly_workspace_id = $1`,
        [workspace],
      );
      if (org) return org;
    }
    if (instantlyCampaignId) {
      // Only when the campaign id names exactly one organization's campaign.
      const rows = await this.db.query<RoutedOrganization>(
        `SELECT o.id, o.auto_assign_strategy FROM campaign c JOIN organization o ON o.id = c.organization_id
          WHERE c.instantly_campaign_id = $1 LIMIT 2`,
        [instantlyCampaignId],
      );
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
