import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../../database/db.service';
import { sql } from '../../database/sql';
import { Organization } from '../../organizations/organization.entity';

export type RoutedOrganization = Pick<Organization, 'id' | 'auto_assign_strategy'>;

export interface ContactEvent {
  organizationId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  campaignId: string | null;
  scoreDelta: number;
  leadStatus: string | null;
  emailsSent: number;
  opens: number;
  clicks: number;
  replies: number;
  bounced: boolean;
  unsubscribed: boolean;
  at: Date;
}

/** An email (by its keyed hash) in an organization, as an event received at receivedAt carries it (src/privacy). */
export interface ErasedSubject {
  organizationId: string;
  emailHash: string;
  receivedAt: Date;
}

/** The email is suppressed in the organization, or was erased there after the event arrived. */
const erasedSubject = (org: string, hash: string | null, at: Date | null) =>
  sql`EXISTS (SELECT 1 FROM privacy_subject WHERE organization_id = ${org} AND email_hash = ${hash} AND (suppressed OR erased_at >= ${at}))`;

/** The CRM rows processing writes (campaigns, contacts), the routing look-ups, and the privacy checks on a lead. Runs as `system`. */
@Injectable()
export class ProcessingRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
  ) {}

  /** The email (by its keyed hash) is suppressed in the organization, or was erased there after the event arrived. */
  async isErasedSubject(s: ErasedSubject): Promise<boolean> {
    const rows = await this.db.query<{ erased: boolean }>(
      sql`SELECT ${erasedSubject(s.organizationId, s.emailHash, s.receivedAt)} AS erased`,
    );
    return rows[0].erased;
  }

  /** The log's personal fields replaced by the erasure marker (migration PrivacyErasure). */
  async redactLog(id: string): Promise<void> {
    await this.db.query(sql`UPDATE webhook_log SET payload = privacy_redact_payload(payload), contact_email = NULL WHERE id = ${id}`);
  }

  async organizationById(id: string): Promise<(RoutedOrganization & Pick<Organization, 'instantly_workspace_id'>) | null> {
    return (await this.db.inTx(this.organizations)).findOne({
      select: { id: true, auto_assign_strategy: true, instantly_workspace_id: true },
      where: { id },
    });
  }

  async organizationByWorkspace(workspace: string): Promise<RoutedOrganization | null> {
    return (await this.db.inTx(this.organizations)).findOne({
      select: { id: true, auto_assign_strategy: true },
      where: { instantly_workspace_id: workspace },
    });
  }

  /**
   * The organizations with a campaign of this Instantly id that may route events (a platform role's
   * or workspace-routed processing's mapping, never one an organization's credential created); at
   * most two: routing needs exactly one.
   */
  organizationsByInstantlyCampaign(instantlyCampaignId: string): Promise<RoutedOrganization[]> {
    return this.db
      .query<RoutedOrganization>(sql`SELECT o.id, o.auto_assign_strategy FROM campaign c JOIN organization o ON o.id = c.organization_id
        WHERE c.instantly_campaign_id = ${instantlyCampaignId} AND c.routes_events LIMIT 2`);
  }

  /**
   * The organization's campaign of this Instantly id, created or renamed / re-statused by the event.
   * `routes`: the event was routed by the platform's mappings (workspace or a trusted campaign id),
   * so its campaign id may route later events too; an event received with an organization's own
   * credential never makes a campaign route (nor takes that from one).
   */
  async upsertInstantlyCampaign(
    orgId: string,
    name: string | null,
    instantlyCampaignId: string,
    status: string | null,
    routes: boolean,
  ): Promise<{ id: string; name: string }> {
    const rows = await this.db.query<{
      id: string;
      name: string;
    }>(sql`INSERT INTO campaign (organization_id, name, instantly_campaign_id, status, routes_events)
       VALUES (${orgId}, coalesce(${name}, 'Instantly campaign ' || ${instantlyCampaignId}), ${instantlyCampaignId}, coalesce(${status}, 'active'), ${routes})
       ON CONFLICT ON CONSTRAINT uq_campaign_instantly DO UPDATE
         SET name = coalesce(${name}, campaign.name), status = coalesce(${status}, campaign.status), updated_at = now(),
             routes_events = campaign.routes_events OR EXCLUDED.routes_events
       RETURNING id, name`);
    return rows[0];
  }

  /** The contact created, or updated with the event's counters and fields; inserted tells which. */
  /**
   * Creates or updates the event's contact; null, writing nothing, when the lead was erased in the
   * organization (`subject`: src/privacy).
   */
  async upsertContact(e: ContactEvent, subject: ErasedSubject | null): Promise<{ id: string; inserted: boolean } | null> {
    const rows = await this.db.query<{
      id: string;
      inserted: boolean;
    }>(sql`INSERT INTO contact (organization_id, email, first_name, last_name, company, campaign_id, lead_score, lead_status,
                            emails_sent, opens, clicks, replies, bounced, unsubscribed, last_event_at)
       SELECT ${e.organizationId}::uuid, ${e.email}::text, ${e.firstName}::text, ${e.lastName}::text, ${e.company}::text, ${e.campaignId}::uuid, ${e.scoreDelta}::int, ${e.leadStatus}::text, ${e.emailsSent}::int, ${e.opens}::int, ${e.clicks}::int, ${e.replies}::int,
              ${e.bounced}::boolean, ${e.unsubscribed}::boolean, ${e.at}::timestamptz
        WHERE ${subject?.emailHash ?? null}::text IS NULL OR NOT ${erasedSubject(e.organizationId, subject?.emailHash ?? null, subject?.receivedAt ?? null)}
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
       RETURNING id, (xmax = 0) AS inserted`);
    return rows[0] ?? null;
  }
}
