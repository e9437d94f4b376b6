import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { ActivityService } from '../activity/activity.service';
import { Caller, orgScope } from '../auth/roles';
import { AppError } from '../common/app-error';
import { MessageResultDto } from '../common/api-envelope';
import { toPage } from '../common/paging';
import { CreatedLinkDto, LinkDetailDto, LinkPageDto, PublicLinkDto } from './dto/onboarding.response.dto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OrganizationRepository } from '../organizations/organization.repository';
import { toLinkDetailDto, toLinkListItemDto, toPublicLinkDto } from './onboarding.mappers';
import { OnboardingLinkRepository } from './onboarding-link.repository';
import { CreateLinkDto, ExtendLinkDto, ListLinksQueryDto, RevokeLinkDto, UpdateProgressDto } from './dto/onboarding.dto';

/** 32 bytes from the CSPRNG: 256 bits, 43 URL-safe characters. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/** How many recent IPs and user agents a link keeps. */
export const ACCESS_HISTORY = 100;

@Injectable()
export class OnboardingService {
  private readonly logger = new Logger('Onboarding');

  constructor(
    private readonly links: OnboardingLinkRepository,
    private readonly organizations: OrganizationRepository,
    private readonly activity: ActivityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateLinkDto, caller: Caller): Promise<CreatedLinkDto> {
    if (!(await this.organizations.exists(dto.organization_id))) throw AppError.notFound(`organization ${dto.organization_id} not found`);
    const token = newLinkToken();
    const row = await this.links.create({
      organizationId: dto.organization_id,
      createdBy: caller.userId,
      token,
      url: `${this.config.onboardingBaseUrl}/${token}`,
      templateName: dto.template_name ?? 'Basic Onboarding',
      welcomeMessage: dto.welcome_message ?? 'Welcome to Salesbrain!',
      expirationDays: dto.expiration_days ?? 7,
      totalSteps: dto.total_steps ?? 5,
    });
    await this.record('onboarding.created', dto.organization_id, caller, row.id, { expiration_days: dto.expiration_days ?? 7 });
    return { link_url: row.link_url, link_id: row.id, link_token: row.link_token, expires_at: row.expires_at, status: row.status };
  }

  async list(q: ListLinksQueryDto, caller: Caller): Promise<LinkPageDto> {
    const [rows, total] = await this.links.page(
      { organizationId: orgScope(caller, q.organization_id), status: q.status ?? null, createdBy: q.created_by ?? null },
      q.limit,
      q.offset,
    );
    return toPage('links', rows.map(toLinkListItemDto), total, q.limit, q.offset);
  }

  async detail(id: string): Promise<LinkDetailDto> {
    const row = await this.links.detail(id);
    if (!row) throw AppError.notFound(`onboarding link ${id} not found`);
    return toLinkDetailDto(row);
  }

  async revoke(id: string, dto: RevokeLinkDto, caller: Caller): Promise<MessageResultDto> {
    const row = await this.links.revoke(id, caller.userId, dto.reason ?? 'Revoked by admin');
    if (!row) await this.explainNoChange(id, 'revoked');
    await this.record('onboarding.revoked', row!.organization_id, caller, id, { reason: dto.reason ?? 'Revoked by admin' });
    return { success: true, message: `Onboarding link ${id} revoked successfully` };
  }

  /** Adds days from the later of now and the current expiry; an expired link becomes active again. */
  async extend(id: string, dto: ExtendLinkDto, caller: Caller): Promise<MessageResultDto> {
    const days = dto.additional_days ?? 7;
    const row = await this.links.extend(id, days);
    if (!row) await this.explainNoChange(id, 'extended');
    await this.record('onboarding.extended', row!.organization_id, caller, id, { additional_days: days, expires_at: row!.expires_at });
    return { success: true, message: `Link expiration extended by ${days} days` };
  }

  private async explainNoChange(id: string, verb: string): Promise<never> {
    const status = await this.links.statusOf(id);
    if (!status) throw AppError.notFound(`onboarding link ${id} not found`);
    throw AppError.conflict(`onboarding link ${id} is ${status} and cannot be ${verb}`);
  }

  /** The daily job's statement: one set-based update. Runs in the caller's transaction. */
  expireOverdueLinks(): Promise<number> {
    return this.links.expireOverdue();
  }

  async recordExpiry(count: number, actor: { userId: string | null; role: string }, trigger: string): Promise<void> {
    await this.activity.record({
      action: 'onboarding.expired',
      organizationId: null,
      actorId: actor.userId,
      actorRole: actor.role,
      targetType: 'onboarding_link',
      itemCount: count,
      details: { trigger },
    });
    this.logger.log(`onboarding expiry (${trigger}): ${count} link(s) expired`);
  }

  // ---- public, by token (runs as link_holder: only this token's link is visible) ----

  /** Access check and tracking in one statement; a refused access is explained afterwards. */
  async access(token: string, ip: string, userAgent: string): Promise<PublicLinkDto> {
    const row = await this.links.access(token, ip.slice(0, 100), userAgent.slice(0, 500), ACCESS_HISTORY);
    // The row stays locked until COMMIT, so nothing else runs after the UPDATE.
    if (!row) return this.refuse(token);
    return toPublicLinkDto(row);
  }

  async progress(token: string, dto: UpdateProgressDto): Promise<MessageResultDto> {
    const row = await this.links.progress(token, dto.current_step, dto.progress_percentage);
    if (!row) return this.refuse(token);
    if (!row.ok) throw AppError.badRequest(`current_step must be between 1 and ${row.total_steps}`);
    return { success: true, message: 'Progress updated successfully' };
  }

  async complete(token: string): Promise<MessageResultDto> {
    const row = await this.links.complete(token);
    if (!row) return this.refuse(token);
    await this.activity.record({
      action: 'onboarding.completed',
      organizationId: row.organization_id,
      actorId: null,
      actorRole: 'link_holder',
      targetType: 'onboarding_link',
      targetId: row.id,
    });
    return { success: true, message: 'Onboarding completed successfully! 🎉' };
  }

  /** Unknown 404; expired (also past expires_at before the daily job) or used 410; revoked or its organization suspended 403. */
  private async refuse(token: string): Promise<never> {
    const link = await this.links.stateByToken(token);
    if (!link) throw AppError.notFound('Onboarding link not found');
    if (link.suspended) throw AppError.forbidden('The organization of this onboarding link is suspended');
    if (link.status === 'revoked') throw AppError.forbidden('This onboarding link has been revoked');
    if (link.status === 'used') throw AppError.gone('This onboarding link has already been used');
    if (link.status === 'expired' || link.overdue) throw AppError.gone('This onboarding link has expired');
    throw AppError.notFound('Onboarding link not found');
  }

  private async record(action: string, orgId: string, caller: Caller, linkId: string, details: Record<string, unknown>) {
    await this.activity.record({
      action,
      organizationId: orgId,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'onboarding_link',
      targetId: linkId,
      details,
    });
  }
}
