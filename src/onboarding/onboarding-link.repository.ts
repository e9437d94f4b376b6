import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { OnboardingLink } from './onboarding-link.entity';

/**
 * Tokens live in onboarding_link_token, which RLS shows to platform roles, the organization's
 * owner and admin, and the token's holder: for members the LEFT JOIN leaves them null.
 */
const LINK_COLUMNS = sql`ol.id, ol.organization_id, ol.created_by, t.link_token, t.link_url, ol.template_id, ol.template_name, ol.welcome_message,
  ol.status, ol.expires_at, ol.clicks_count, ol.first_accessed_at, ol.last_accessed_at, ol.completed_at, ol.current_step,
  ol.total_steps, ol.progress_percentage, ol.created_at, ol.updated_at, ol.revoked_at, ol.revoked_by, ol.revoked_reason`;

/** The link whose token this is (tokens live in onboarding_link_token). */
const byToken = (token: string) => sql`id = (SELECT link_id FROM onboarding_link_token WHERE link_token = ${token})`;

/** Each part NULL for "any". */
const listFilter = (f: LinkFilter) => sql`(${f.organizationId}::uuid IS NULL OR ol.organization_id = ${f.organizationId})
  AND (${f.status}::text IS NULL OR ol.status = ${f.status}) AND (${f.createdBy}::uuid IS NULL OR ol.created_by = ${f.createdBy})`;

/** A link as the admin side reads it, with its token (when the caller may see it) and names. */
export interface LinkRow {
  id: string;
  organization_id: string;
  created_by: string | null;
  link_token: string | null;
  link_url: string | null;
  template_id: string | null;
  template_name: string | null;
  welcome_message: string | null;
  status: OnboardingLink['status'];
  expires_at: Date;
  clicks_count: number;
  first_accessed_at: Date | null;
  last_accessed_at: Date | null;
  completed_at: Date | null;
  current_step: number;
  total_steps: number;
  progress_percentage: number;
  created_at: Date;
  updated_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoked_reason: string | null;
  organization_name: string;
  created_by_email: string | null;
}

export interface LinkListRow extends LinkRow {
  created_by_first_name: string | null;
  created_by_last_name: string | null;
}

export interface LinkDetailRow extends LinkRow {
  ip_addresses: { ip: string; timestamp: string }[];
  user_agents: { user_agent: string; timestamp: string }[];
}

export interface CreatedLinkRow {
  id: string;
  link_url: string;
  link_token: string;
  expires_at: Date;
  status: OnboardingLink['status'];
}

/** What the link's holder sees of it. */
export interface PublicLinkRow {
  organization_name: string | null;
  welcome_message: string | null;
  total_steps: number;
  current_step: number;
  progress_percentage: number;
  template_name: string | null;
  expires_at: Date;
}

export interface NewLink {
  organizationId: string;
  createdBy: string;
  token: string;
  url: string;
  templateName: string;
  welcomeMessage: string;
  expirationDays: number;
  totalSteps: number;
}

export interface LinkFilter {
  organizationId: string | null;
  status: string | null;
  createdBy: string | null;
}

/** onboarding_link and its token: the admin side under the caller's role, the public side as the token's holder. */
@Injectable()
export class OnboardingLinkRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(OnboardingLink) private readonly links: Repository<OnboardingLink>,
  ) {}

  /** The link and its token in one statement; created_by only when the caller is a user row. */
  async create(l: NewLink): Promise<CreatedLinkRow> {
    const rows = await this.db.query<CreatedLinkRow>(sql`WITH link AS (
         INSERT INTO onboarding_link (organization_id, created_by, template_name, welcome_message, expires_at, total_steps)
         VALUES (${l.organizationId}, (SELECT id FROM "user" WHERE id = ${l.createdBy}), ${l.templateName}, ${l.welcomeMessage}, now() + make_interval(days => ${l.expirationDays}), ${l.totalSteps})
         RETURNING id, organization_id, expires_at, status)
       INSERT INTO onboarding_link_token (link_id, organization_id, link_token, link_url)
       SELECT id, organization_id, ${l.token}, ${l.url} FROM link
       RETURNING link_id AS id, link_url, link_token, (SELECT expires_at FROM link) AS expires_at, (SELECT status FROM link) AS status`);
    return rows[0];
  }

  /** A page, newest first, with the number of matches. */
  async page(f: LinkFilter, limit: number, offset: number): Promise<[LinkListRow[], number]> {
    const rows = await this.db.query<LinkListRow & { full_count: string }>(
      sql`SELECT ${LINK_COLUMNS}, o.name AS organization_name, u.email AS created_by_email, u.first_name AS created_by_first_name,
              u.last_name AS created_by_last_name, count(*) OVER () AS full_count
         FROM onboarding_link ol
         JOIN organization o ON o.id = ol.organization_id
         LEFT JOIN onboarding_link_token t ON t.link_id = ol.id
         LEFT JOIN "user" u ON u.id = ol.created_by
        WHERE ${listFilter(f)}
        ORDER BY ol.created_at DESC, ol.id DESC LIMIT ${limit} OFFSET ${offset}`,
    );
    // A page past the end has no row to carry the window count: count on its own then.
    const total = rows.length
      ? Number(rows[0].full_count)
      : Number(
          (await this.db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM onboarding_link ol WHERE ${listFilter(f)}`))[0]?.n ?? 0,
        );
    return [rows.map(({ full_count: _, ...r }) => r), total];
  }

  async detail(id: string): Promise<LinkDetailRow | undefined> {
    const rows = await this.db
      .query<LinkDetailRow>(sql`SELECT ${LINK_COLUMNS}, ol.ip_addresses, ol.user_agents, o.name AS organization_name, u.email AS created_by_email
         FROM onboarding_link ol JOIN organization o ON o.id = ol.organization_id
         LEFT JOIN onboarding_link_token t ON t.link_id = ol.id LEFT JOIN "user" u ON u.id = ol.created_by
        WHERE ol.id = ${id}`);
    return rows[0];
  }

  /** The revoked link's organization, or undefined when it is not active or expired (or not visible). */
  async revoke(id: string, revokedBy: string, reason: string): Promise<{ organization_id: string } | undefined> {
    const rows = await this.db.query<{
      organization_id: string;
    }>(sql`UPDATE onboarding_link SET status = 'revoked', revoked_at = now(), revoked_by = (SELECT id FROM "user" WHERE id = ${revokedBy}),
              revoked_reason = ${reason}, updated_at = now()
        WHERE id = ${id} AND status IN ('active', 'expired') RETURNING organization_id`);
    return rows[0];
  }

  /** Adds days from the later of now and the current expiry; an expired link becomes active again. */
  async extend(id: string, days: number): Promise<{ organization_id: string; expires_at: Date } | undefined> {
    const rows = await this.db.query<{
      organization_id: string;
      expires_at: Date;
    }>(sql`UPDATE onboarding_link SET expires_at = greatest(expires_at, now()) + make_interval(days => ${days}), status = 'active', updated_at = now()
        WHERE id = ${id} AND status IN ('active', 'expired') RETURNING organization_id, expires_at`);
    return rows[0];
  }

  async statusOf(id: string): Promise<OnboardingLink['status'] | undefined> {
    const link = await (await this.db.inTx(this.links)).findOne({ select: { status: true }, where: { id } });
    return link?.status;
  }

  /** The daily job's statement: every overdue active link, one set-based update. */
  async expireOverdue(): Promise<number> {
    const r = await this.db.execute(
      sql`UPDATE onboarding_link SET status = 'expired', updated_at = now() WHERE status = 'active' AND expires_at <= now()`,
    );
    return r.affected;
  }

  // ---- public, by token (the transaction runs as link_holder: only this token's link is visible) ----

  /** Access check and tracking in one statement; undefined when the link is not usable. */
  async access(token: string, ip: string, userAgent: string, historySize: number): Promise<PublicLinkRow | undefined> {
    // Every open of one link updates the same row, so these commits queue behind each other; not
    // waiting for the WAL flush lets them through much faster. A crash may lose the last fraction
    // of a second of access tracking, never a link or its state.
    await this.db.query(sql`SET LOCAL synchronous_commit TO OFF`);
    const rows = await this.db.query<PublicLinkRow>(sql`UPDATE onboarding_link SET clicks_count = clicks_count + 1,
              first_accessed_at = coalesce(first_accessed_at, now()), last_accessed_at = now(),
              -- Keep the newest historySize entries: drop the oldest once full, then append.
              ip_addresses = CASE WHEN jsonb_array_length(ip_addresses) >= ${historySize} THEN ip_addresses - 0 ELSE ip_addresses END
                             || jsonb_build_array(jsonb_build_object('ip', ${ip}::text, 'timestamp', now())),
              user_agents = CASE WHEN jsonb_array_length(user_agents) >= ${historySize} THEN user_agents - 0 ELSE user_agents END
                            || jsonb_build_array(jsonb_build_object('user_agent', ${userAgent}::text, 'timestamp', now())),
              updated_at = now()
        WHERE ${byToken(token)} AND status = 'active' AND expires_at > now() AND NOT link_holder_organization_suspended()
        RETURNING link_holder_organization_name() AS organization_name,
                  welcome_message, total_steps, current_step, progress_percentage, template_name, expires_at`);
    return rows[0];
  }

  /** undefined: the link is not usable; ok false: the step is past the link's total_steps. */
  async progress(token: string, step: number, percentage: number): Promise<{ total_steps: number; ok: boolean } | undefined> {
    const rows = await this.db.query<{ total_steps: number; ok: boolean }>(sql`WITH target AS (SELECT id, total_steps FROM onboarding_link
                        WHERE ${byToken(token)} AND status = 'active' AND expires_at > now() AND NOT link_holder_organization_suspended()),
       upd AS (UPDATE onboarding_link l SET current_step = ${step}, progress_percentage = ${percentage}, updated_at = now()
                 FROM target t WHERE l.id = t.id AND ${step} <= t.total_steps RETURNING l.id)
       SELECT t.total_steps, EXISTS (SELECT 1 FROM upd) AS ok FROM target t`);
    return rows[0];
  }

  async complete(token: string): Promise<{ id: string; organization_id: string } | undefined> {
    const rows = await this.db.query<{
      id: string;
      organization_id: string;
    }>(sql`UPDATE onboarding_link SET status = 'used', completed_at = now(), progress_percentage = 100, current_step = total_steps, updated_at = now()
        WHERE ${byToken(token)} AND status = 'active' AND expires_at > now() AND NOT link_holder_organization_suspended()
        RETURNING id, organization_id`);
    return rows[0];
  }

  /** Why a token's link was refused: its status, whether it is past expires_at, whether its organization is suspended. */
  async stateByToken(token: string): Promise<{ status: string; overdue: boolean; suspended: boolean } | undefined> {
    const rows = await this.db.query<{ status: string; overdue: boolean; suspended: boolean }>(
      sql`SELECT status, expires_at <= now() AS overdue, link_holder_organization_suspended() AS suspended FROM onboarding_link WHERE ${byToken(token)}`,
    );
    return rows[0];
  }
}
