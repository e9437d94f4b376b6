import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/** An organization's own Instantly webhook secret, as SHA-256 hashes (the secret is shown once). */
@Entity('organization_webhook_credential')
@Index('uq_organization_webhook_credential_secret', ['secret_hash'], { unique: true })
@Index('idx_organization_webhook_credential_previous', { synchronize: false }) // partial: previous_secret_hash IS NOT NULL
export class OrganizationWebhookCredential {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_organization_webhook_credential' })
  organization_id!: string;

  @OneToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_organization_webhook_credential_organization' })
  organization?: Organization;

  @Column('char', { length: 64 })
  secret_hash!: string;

  @Column('varchar', { length: 16 })
  secret_prefix!: string;

  /** The secret before the last rotation, accepted until previous_valid_until. */
  @Column('char', { length: 64, nullable: true })
  previous_secret_hash!: string | null;

  @Column('timestamptz', { nullable: true })
  previous_valid_until!: Date | null;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  rotated_at!: Date;

  @Column('uuid', { nullable: true })
  rotated_by!: string | null;
}
