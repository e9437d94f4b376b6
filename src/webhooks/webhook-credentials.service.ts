import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'crypto';
import { ActivityService } from '../activity/activity.service';
import { Caller } from '../auth/roles';
import { AppError } from '../common/app-error';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { NewWebhookCredentialDto, WebhookCredentialDto } from './dto/webhook-credential.dto';

/** Organization credentials look like `sbwh_` + 43 URL-safe characters (256 random bits). */
export const CREDENTIAL_RE = /^sbwh_[A-Za-z0-9_-]{43}$/;
const CACHE_MS = 10_000;
const CACHE_MAX = 10_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const COLUMNS = `organization_id, secret_prefix, created_at, rotated_at, previous_valid_until`;

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
    private readonly activity: ActivityService,
  ) {}

  async get(orgId: string): Promise<WebhookCredentialDto> {
    const row = await this.db.one<WebhookCredentialDto>(`SELECT ${COLUMNS} FROM organization_webhook_credential WHERE organization_id = $1`, [orgId]);
    if (!row) throw AppError.notFound(`organization ${orgId} has no webhook credential`);
    return row;
  }

  async rotate(orgId: string, graceHours: number, caller: Caller): Promise<NewWebhookCredentialDto> {
    const org = await this.db.one(`SELECT id FROM organization WHERE id = $1`, [orgId]);
    if (!org) throw AppError.notFound(`organization ${orgId} not found`);
    const secret = `sbwh_${randomBytes(32).toString('base64url')}`;
    const row = await this.db.one<WebhookCredentialDto>(
      `INSERT INTO organization_webhook_credential AS c (organization_id, secret_hash, secret_prefix, rotated_by)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (organization_id) DO UPDATE SET
         secret_hash = EXCLUDED.secret_hash, secret_prefix = EXCLUDED.secret_prefix, rotated_by = EXCLUDED.rotated_by,
         rotated_at = now(), previous_secret_hash = CASE WHEN $5 > 0 THEN c.secret_hash END,
         previous_valid_until = CASE WHEN $5 > 0 THEN now() + make_interval(hours => $5) END
       RETURNING ${COLUMNS}`,
      [orgId, sha256(secret), secret.slice(0, 9), caller.userId, graceHours],
    );
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
    return { ...row!, secret };
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
    const row = await this.db.withConnection(SYSTEM_CONTEXT, async (client) => {
      const r = await client.query<{ organization_id: string }>(
        `SELECT organization_id FROM organization_webhook_credential
          WHERE secret_hash = $1 OR (previous_secret_hash = $1 AND previous_valid_until > now())`,
        [hash],
      );
      return r.rows[0];
    });
    const orgId = row?.organization_id ?? null;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { orgId, until: now + CACHE_MS });
    return orgId;
  }
}
