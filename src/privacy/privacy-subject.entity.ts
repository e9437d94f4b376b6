import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * An email erased in an organization, by its keyed hash (never in clear): when, how often, and
 * whether later events carrying it are suppressed (migration PrivacyErasure).
 */
@Entity('privacy_subject')
@Check('ck_privacy_subject_hash', `email_hash ~ '^[0-9a-f]{64}$'`)
export class PrivacySubject {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_privacy_subject' })
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_privacy_subject_organization' })
  organization?: Organization;

  @PrimaryColumn('varchar', { length: 64, primaryKeyConstraintName: 'pk_privacy_subject' })
  email_hash!: string;

  @Column('timestamptz', { default: () => 'now()' })
  first_erased_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  erased_at!: Date;

  @Column('integer', { default: 1 })
  erasures!: number;

  @Column('boolean', { default: false })
  suppressed!: boolean;
}
