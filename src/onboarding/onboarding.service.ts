import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { ActivityService } from '../activity/activity.service';
import { Caller, orgScope } from '../auth/roles';
import { AppError } from '../common/app-error';
import { MessageResultDto } from '../common/api-envelope';
import { toPage } from '../common/paging';
import { CreatedLinkDto, LinkDetailDto, LinkListItemDto, LinkPageDto, PublicLinkDto } from './dto/onboarding.response.dto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { CreateLinkDto, ExtendLinkDto, ListLinksQueryDto, RevokeLinkDto, UpdateProgressDto } from './dto/onboarding.dto';

/** 32 bytes from the CSPRNG: 256 bits, 43 URL-safe characters. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Tokens live in onboarding_link_token, which RLS shows to platform roles, the organization's
 * owner and admin, and the token's holder: for members the LEFT JOIN leaves them null.
 */
const LINK_COLUMNS = `ol.id, ol.organization_id, ol.created_by, t.link_token, t.link_url, ol.template_id, ol.template_name, ol.welcome_message,
  ol.status, ol.expires_at, ol.clicks_count, ol.first_accessed_at, ol.last_accessed_at, ol.completed_at, ol.current_step,
  ol.total_steps, ol.progress_percentage, ol.created_at, ol.updated_at, ol.revoked_at, ol.revoked_by, ol.revoked_reason`;

/** The link whose token is $1 (tokens live in onboarding_link_token). */
const BY_TOKEN = `id = (SELECT link_id FROM onboarding_link_token WHERE link_token = $1)`;

/** How many recent IPs and user agents a link keeps. */
export const ACCESS_HISTORY = 100;

@Injectable()
export class OnboardingService {
  private readonly logger = new Logger('Onboarding');

  constructor(
    private readonly db: Db,
    private readonly activity: ActivityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateLinkDto, caller: Caller): Promise<CreatedLinkDto> {
    const org = await this.db.one(`SELECT id FROM organization WHERE id = $1`, [dto.organization_id]);
    if (!org) throw AppError.notFound(`organization ${dto.organization_id} not found`);
    const token = newLinkToken();
    const row = await this.db.one<Omit<CreatedLinkDto, 'link_id'> & { id: string }>(
      `WITH link AS (
         INSERT INTO onboarding_link (organization_id, created_by, template_name, welcome_message, expires_at, total_steps)
         VALUES ($1, (SELECT id FROM "user" WHERE id = $2), $5, $6, now() + make_interval(days => $7), $8)
         RETURNING id, organization_id, expires_at, status)
       INSERT INTO onboarding_link_token (link_id, organization_id, link_token, link_url)
       SELECT id, organization_id, $3, $4 FROM link
       RETURNING link_id AS id, link_url, link_token, (SELECT expires_at FROM link) AS expires_at, (SELECT status FROM link) AS status`,
      [
        dto.organization_id,
        caller.userId,
        token,
        `${this.config.onboardingBaseUrl}/${token}`,
        dto.template_name ?? 'Basic Onboarding',
        dto.welcome_message ?? 'Welcome to Salesbrain!',
        dto.expiration_days ?? 7,
        dto.total_steps ?? 5,
      ],
    );
    await this.record('onboarding.created', dto.organization_id, caller, row!.id, { expiration_days: dto.expiration_days ?? 7 });
    return { link_url: row!.link_url, link_id: row!.id, link_token: row!.link_token, expires_at: row!.expires_at, status: row!.status };
  }

  async list(q: ListLinksQueryDto, caller: Caller): Promise<LinkPageDto> {
    const params = [orgScope(caller, q.organization_id), q.status ?? null, q.created_by ?? null];
    const filter = `($1::uuid IS NULL OR ol.organization_id = $1) AND ($2::text IS NULL OR ol.status = $2)
          AND ($3::uuid IS NULL OR ol.created_by = $3)`;
    const rows = await this.db.query<LinkListItemDto & { full_count: string }>(
      `SELECT ${LINK_COLUMNS}, o.name AS organization_name, u.email AS created_by_email, u.first_name AS created_by_first_name,
              u.last_name AS created_by_last_name, count(*) OVER () AS full_count
         FROM onboarding_link ol
         JOIN organization o ON o.id = ol.organization_id
         LEFT JOIN onboarding_link_token t ON t.link_id = ol.id
         LEFT JOIN "user" u ON u.id = ol.created_by
        WHERE ${filter}
        ORDER BY ol.created_at DESC, ol.id DESC LIMIT $4 OFFSET $5`,
      [...params, q.limit, q.offset],
    );
    // A page past the end has no row to carry the window count: count on its own then.
    const total = rows.length
      ? Number(rows[0].full_count)
      : Number((await this.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM onboarding_link ol WHERE ${filter}`, params))?.n ?? 0);
    return toPage('links', rows.map(({ full_count: _, ...r }) => r), total, q.limit, q.offset);
  }

  async detail(id: string): Promise<LinkDetailDto> {
    const row = await this.db.one<LinkDetailDto>(
      `SELECT ${LINK_COLUMNS}, ol.ip_addresses, ol.user_agents, o.name AS organization_name, u.email AS created_by_email
         FROM onboarding_link ol JOIN organization o ON o.id = ol.organization_id
         LEFT JOIN onboarding_link_token t ON t.link_id = ol.id LEFT JOIN "user" u ON u.id = ol.created_by
        WHERE ol.id = $1`,
      [id],
    );
    if (!row) throw AppError.notFound(`onboarding link ${id} not found`);
    return row;
  }

  async revoke(id: string, dto: RevokeLinkDto, caller: Caller): Promise<MessageResultDto> {
    const row = await this.db.one<{ organization_id: string }>(
      `UPDATE onboarding_link SET status = 'revoked', revoked_at = now(), revoked_by = (SELECT id FROM "user" WHERE id = $2),
              revoked_reason = $3, updated_at = now()
        WHERE id = $1 AND status IN ('active', 'expired') RETURNING organization_id`,
      [id, caller.userId, dto.reason ?? 'Revoked by admin'],
    );
    if (!row) await this.explainNoChange(id, 'revoked');
    await this.record('onboarding.revoked', row!.organization_id, caller, id, { reason: dto.reason ?? 'Revoked by admin' });
    return { success: true, message: `Onboarding link ${id} revoked successfully` };
  }

  /** Adds days from the later of now and the current expiry; an expired link becomes active again. */
  async extend(id: string, dto: ExtendLinkDto, caller: Caller): Promise<MessageResultDto> {
    const days = dto.additional_days ?? 7;
    const row = await this.db.one<{ organization_id: string; expires_at: Date }>(
      `UPDATE onboarding_link SET expires_at = greatest(expires_at, now()) + make_interval(days => $2), status = 'active', updated_at = now()
        WHERE id = $1 AND status IN ('active', 'expired') RETURNING organization_id, expires_at`,
      [id, days],
    );
    if (!row) await this.explainNoChange(id, 'extended');
    await this.record('onboarding.extended', row!.organization_id, caller, id, { additional_days: days, expires_at: row!.expires_at });
    return { success: true, message: `Link expiration extended by ${days} days` };
  }

  private async explainNoChange(id: string, verb: string): Promise<never> {
    const existing = await this.db.one<{ status: string }>(`SELECT status FROM onboarding_link WHERE id = $1`, [id]);
    if (!existing) throw AppError.notFound(`onboarding link ${id} not found`);
    throw AppError.conflict(`onboarding link ${id} is ${existing.status} and cannot be ${verb}`);
  }

  /** The daily job's statement: one set-based update. Runs in the caller's transaction. */
  async expireOverdueLinks(): Promise<number> {
    const r = await this.db.execute(`UPDATE onboarding_link SET status = 'expired', updated_at = now() WHERE status = 'active' AND expires_at <= now()`);
    return r.affected;
  }

  async recordExpiry(count: number, actor: { userId: string | null; role: string }, trigger: string): Promise<void> {
    await this.activity.record({ action: 'onboarding.expired', organizationId: null, actorId: actor.userId, actorRole: actor.role, targetType: 'onboarding_link', itemCount: count, details: { trigger } });
    this.logger.log(`onboarding expiry (${trigger}): ${count} link(s) expired`);
  }

  // ---- public, by token (runs as link_holder: only this token's link is visible) ----

  /** Access check and tracking in one statement; a refused access is explained afterwards. */
  async access(token: string, ip: string, userAgent: string): Promise<PublicLinkDto> {
    // Every open of one link updates the same row, so these commits queue behind each other; not
    // waiting for the WAL flush lets them through much faster. A crash may lose the last fraction
    // of a second of access tracking, never a link or its state.
    await this.db.query(`SET LOCAL synchronous_commit TO OFF`);
    const row = await this.db.one<PublicLinkDto>(
      `UPDATE onboarding_link SET clicks_count = clicks_count + 1,
              first_accessed_at = coalesce(first_accessed_at, now()), last_accessed_at = now(),
              -- Keep the newest ACCESS_HISTORY entries: drop the oldest once full, then append.
              ip_addresses = CASE WHEN jsonb_array_length(ip_addresses) >= ${ACCESS_HISTORY} THEN ip_addresses - 0 ELSE ip_addresses END
                             || jsonb_build_array(jsonb_build_object('ip', $2::text, 'timestamp', now())),
              user_agents = CASE WHEN jsonb_array_length(user_agents) >= ${ACCESS_HISTORY} THEN user_agents - 0 ELSE user_agents END
                            || jsonb_build_array(jsonb_build_object('user_agent', $3::text, 'timestamp', now())),
              updated_at = now()
        WHERE ${BY_TOKEN} AND status = 'active' AND expires_at > now()
        RETURNING link_holder_organization_name() AS organization_name,
                  welcome_message, total_steps, current_step, progress_percentage, template_name, expires_at`,
      [token, ip.slice(0, 100), userAgent.slice(0, 500)],
    );
    // The row stays locked until COMMIT, so nothing else runs after the UPDATE.
    if (!row) return this.refuse(token);
    return row;
  }

  async progress(token: string, dto: UpdateProgressDto): Promise<MessageResultDto> {
    const row = await this.db.one<{ total_steps: number; ok: boolean }>(
      `WITH target AS (SELECT id, total_steps FROM onboarding_link
                        WHERE ${BY_TOKEN} AND status = 'active' AND expires_at > now()),
       upd AS (UPDATE onboarding_link l SET current_step = $2, progress_percentage = $3, updated_at = now()
                 FROM target t WHERE l.id = t.id AND $2 <= t.total_steps RETURNING l.id)
       SELECT t.total_steps, EXISTS (SELECT 1 FROM upd) AS ok FROM target t`,
      [token, dto.current_step, dto.progress_percentage],
    );
    if (!row) return this.refuse(token);
    if (!row.ok) throw AppError.badRequest(`current_step must be between 1 and ${row.total_steps}`);
    return { success: true, message: 'Progress updated successfully' };
  }

  async complete(token: string): Promise<MessageResultDto> {
    const row = await this.db.one<{ id: string; organization_id: string }>(
      `UPDATE onboarding_link SET status = 'used', completed_at = now(), progress_percentage = 100, current_step = total_steps, updated_at = now()
        WHERE ${BY_TOKEN} AND status = 'active' AND expires_at > now()
        RETURNING id, organization_id`,
      [token],
    );
    if (!row) return this.refuse(token);
    await this.activity.record({ action: 'onboarding.completed', organizationId: row.organization_id, actorId: null, actorRole: 'link_holder', targetType: 'onboarding_link', targetId: row.id });
    return { success: true, message: 'Onboarding completed successfully! 🎉' };
  }

  /** Unknown 404; expired (also past expires_at before the daily job) or used 410; revoked 403. */
  private async refuse(token: string): Promise<never> {
    const link = await this.db.one<{ status: string; overdue: boolean }>(
      `SELECT status, expires_at <= now() AS overdue FROM onboarding_link
        WHERE ${BY_TOKEN}`,
      [token],
    );
    if (!link) throw AppError.notFound('Onboarding link not found');
    if (link.status === 'revoked') throw AppError.forbidden('This onboarding link has been revoked');
    if (link.status === 'used') throw AppError.gone('This onboarding link has already been used');
    if (link.status === 'expired' || link.overdue) throw AppError.gone('This onboarding link has expired');
    throw AppError.notFound('Onboarding link not found');
  }

  private async record(action: string, orgId: string, caller: Caller, linkId: string, details: Record<string, unknown>) {
    await this.activity.record({ action, organizationId: orgId, actorId: caller.userId, actorRole: caller.role, targetType: 'onboarding_link', targetId: linkId, details });
  }
}
