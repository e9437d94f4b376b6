import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'crypto';
import { ActivityService } from '../activity/activity.service';
import { Caller } from '../auth/roles';
import { AppError } from '../common/app-error';
import { Db } from '../database/db.service';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { OrganizationRepository } from '../organizations/organization.repository';
import { NewWebhookCredentialDto, WebhookCredentialDto } from './dto/webhook-credential.dto';
import { CredentialRow, WebhookCredentialRepository } from './webhook-credential.repository';

/** Organization credentials look like `sbwh_` + 43 URL-safe characters (256 random bits). */
export const CREDENTIAL_RE = /^sbwh_[A-Za-z0-9_-]{43}$/;
/** How old the in-memory index of credential hashes may be before it is read again (another instance's rotation shows within it). */
const REFRESH_MS = 5_000;

/** A valid credential hash: its organization, until when it is valid (null: no end), whether that organization is suspended. */
interface KnownCredential {
  orgId: string;
  until: number | null;
  suspended: boolean;
}

/** The organization a presented credential belongs to. */
export interface CredentialOwner {
  organizationId: string;
  suspended: boolean;
}

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
  /** Every valid credential hash: its organization, and until when it is valid (null: no end). */
  private known = new Map<string, KnownCredential>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly events: WebhookCredentialRepository,
    private readonly organizations: OrganizationRepository,
    private readonly activity: ActivityService,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
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
    // This instance accepts the new secret at once; other instances within REFRESH_MS.
    this.loadedAt = 0;
    return { ...toDto(row), secret };
  }

  /**
   * The organization whose current (or still valid previous) credential this is, or null: looked up
   * in memory, in an index of every valid credential hash that is read again (one statement, as
   * `system`) when it is older than REFRESH_MS, so a wrong credential, however many, costs no
   * database work, as a wrong global secret costs none. A rotation takes effect here at once and on
   * other instances within REFRESH_MS; a grace period ends on time (its end is kept in the index).
   * By the SHA-256 of a 256-bit secret: how long the lookup takes tells nothing about the secret.
   * A suspended organization's credential is known (so it is refused with a 403 saying why, not
   * taken for a wrong one); suspending shows within REFRESH_MS on every instance.
   */
  async ownerOf(presented: string): Promise<CredentialOwner | null> {
    if (!CREDENTIAL_RE.test(presented)) return null;
    await this.fresh();
    const hit = this.known.get(sha256(presented));
    return hit && (hit.until === null || hit.until > Date.now()) ? { organizationId: hit.orgId, suspended: hit.suspended } : null;
  }

  /** The index, read again when stale: one read at a time, which every lookup meanwhile waits for. */
  private fresh(): Promise<void> {
    if (Date.now() - this.loadedAt < REFRESH_MS) return Promise.resolve();
    this.loading ??= (async () => {
      try {
        const rows = await this.db.runAs(SYSTEM_CONTEXT, () => this.events.credentialHashes());
        const known = new Map<string, KnownCredential>();
        for (const r of rows) {
          known.set(r.secret_hash, { orgId: r.organization_id, until: null, suspended: r.suspended });
          if (r.previous_secret_hash && r.previous_valid_until) {
            known.set(r.previous_secret_hash, {
              orgId: r.organization_id,
              until: r.previous_valid_until.getTime(),
              suspended: r.suspended,
            });
          }
        }
        this.known = known;
        this.loadedAt = Date.now();
        this.metrics.credentialReloads.inc();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}
