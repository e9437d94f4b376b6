import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { OrganizationWebhookCredential } from './organization-webhook-credential.entity';

export type CredentialRow = Pick<
  OrganizationWebhookCredential,
  'organization_id' | 'secret_prefix' | 'created_at' | 'rotated_at' | 'previous_valid_until'
>;

export interface CredentialHashRow {
  organization_id: string;
  /** Its organization is suspended: the credential is refused (403), not unknown. */
  suspended: boolean;
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_valid_until: Date | null;
}

const CREDENTIAL_COLUMNS = {
  organization_id: true,
  secret_prefix: true,
  created_at: true,
  rotated_at: true,
  previous_valid_until: true,
} as const;

/** Organizations' own receiver credentials, under the caller's role (RLS decides who may read or rotate). */
@Injectable()
export class WebhookCredentialRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(OrganizationWebhookCredential) private readonly credentials: Repository<OrganizationWebhookCredential>,
  ) {}

  async credential(orgId: string): Promise<CredentialRow | null> {
    return (await this.db.inTx(this.credentials)).findOne({ select: CREDENTIAL_COLUMNS, where: { organization_id: orgId } });
  }

  /** A new current secret hash; the previous one stays valid for graceHours (0: not at all). */
  async rotateCredential(orgId: string, secretHash: string, prefix: string, rotatedBy: string, graceHours: number): Promise<CredentialRow> {
    const rows = await this.db
      .query<CredentialRow>(sql`INSERT INTO organization_webhook_credential AS c (organization_id, secret_hash, secret_prefix, rotated_by)
       VALUES (${orgId}, ${secretHash}, ${prefix}, ${rotatedBy})
       ON CONFLICT (organization_id) DO UPDATE SET
         secret_hash = EXCLUDED.secret_hash, secret_prefix = EXCLUDED.secret_prefix, rotated_by = EXCLUDED.rotated_by,
         rotated_at = now(), previous_secret_hash = CASE WHEN ${graceHours} > 0 THEN c.secret_hash END,
         previous_valid_until = CASE WHEN ${graceHours} > 0 THEN now() + make_interval(hours => ${graceHours}) END
       RETURNING organization_id, secret_prefix, created_at, rotated_at, previous_valid_until`);
    return rows[0];
  }

  /** Every credential's hashes: the current one, and the previous one while its grace period lasts. */
  credentialHashes(): Promise<CredentialHashRow[]> {
    return this.db
      .query<CredentialHashRow>(sql`SELECT c.organization_id, c.secret_hash, CASE WHEN c.previous_valid_until > now() THEN c.previous_secret_hash END AS previous_secret_hash,
              c.previous_valid_until, o.status = 'suspended' AS suspended
         FROM organization_webhook_credential c JOIN organization o ON o.id = c.organization_id`);
  }
}
