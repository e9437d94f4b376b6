import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'crypto';
import { ActivityService } from '../activity/activity.service';
import { Caller } from '../auth/roles';
import { AppError } from '../common/app-error';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { OrganizationRepository } from '../organizations/organization.repository';
import { NewWebhookCredentialDto, WebhookCredentialDto } from './dto/webhook-credential.dto';
import { CredentialRow, WebhookEventRepository } from './webhook-event.repository';

/** Organization credentials look like `sbwh_` + 43 URL-safe characters (256 random bits). */
export const CREDENTIAL_RE = /^sbwh_[A-Za-z0-9_-]{43}$/;
const CACHE_MS = 10_000;
const CACHE_MAX = 10_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function toDto(c: CredentialRow): WebhookCredentialDto {
  return {
    organization_id: c.organization_id,
    secret_prefix: c.secret_prefix,
    created_at: c.created_at.toISOString(),
    rotated_at: c.rotated_at.toISOString(),
    previous_valid_until: c.previous_valid_until ? c.previous_valid_until.toISOString() : null,
  };
}

/**
 * Each organization's own Instantly receiver credential. Generated here, shown once, stored as a
 * SHA-256 hash (the secret has 256 random bits: a slow hash would add nothing); rotated by
 * platform roles or the organization's owner, with a grace period for the previous secret. RLS
 * decides who may read or rotate (migration TenantHardening).
 */
@Injectable()
export class WebhookCredentialsService {
  private readonly cache = new Map<string, { orgId: string | null; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly events: WebhookEventRepository,
    private readonly organizations: OrganizationRepository,
    private readonly activity: ActivityService,
  ) {}

  async get(orgId: string): Promise<WebhookCredentialDto> {
    const row = await this.events.credential(orgId);
    if (!row) throw AppError.notFound(`organization ${orgId} has no webhook credential`);
    return toDto(row);
  }

  async rotate(orgId: string, graceHours: number, caller: Caller): Promise<NewWebhookCredentialDto> {
    if (!(await this.organizations.exists(orgId))) throw AppError.notFound(`organization ${orgId} not found`);
    const secret = `sbwh_${randomBytes(32).toString('base64url')}`;
    const row = await this.events.rotateCredential(orgId, sha256(secret), secret.slice(0, 9), caller.userId, graceHours);
    await this.activity.record({
      action: 'webhook_credential.rotated',
      organizationId: orgId,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'organization',
      targetId: orgId,
      details: { grace_hours: graceHours },
    });
    this.cache.clear();
    return { ...toDto(row), secret };
  }

  /**
   * The organization whose current (or still valid previous) credential this is, or null. Looked
   * up by hash as `system` before the body is read; answers are cached for 10 s, so a rotation or
   * the end of a grace period takes effect within that.
   */
  async organizationFor(presented: string): Promise<string | null> {
    if (!CREDENTIAL_RE.test(presented)) return null;
    const hash = sha256(presented);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.orgId;
    // Looked up by the SHA-256 of a 256-bit secret: how long the index takes to find (or miss) a
    // hash tells nothing about the secret, so no further comparison is needed.
    const orgId = await this.db.runAs(SYSTEM_CONTEXT, () => this.events.organizationForSecretHash(hash));
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { orgId, until: now + CACHE_MS });
    return orgId;
  }
}
