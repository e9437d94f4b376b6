import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { Campaign } from './campaign.entity';

/** A lead of a campaign, kept up to date from the events that name it. */
@Entity('contact')
@Index('idx_contact_org_score', ['organization_id', 'lead_score'])
@Index('idx_contact_campaign', { synchronize: false }) // partial: campaign_id IS NOT NULL
@Index('uq_contact_org_email', { synchronize: false }) // (organization_id, lower(email)), unique
export class Contact {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_contact' })
  id!: string;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_contact_organization' })
  organization?: Organization;

  @Column('varchar', { length: 320 })
  email!: string;

  @Column('varchar', { length: 100, nullable: true })
  first_name!: string | null;

  @Column('varchar', { length: 100, nullable: true })
  last_name!: string | null;

  @Column('varchar', { length: 200, nullable: true })
  company!: string | null;

  @Column('uuid', { nullable: true })
  campaign_id!: string | null;

  @ManyToOne(() => Campaign, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'fk_contact_campaign' })
  campaign?: Campaign | null;

  @Column('integer', { default: 0 })
  lead_score!: number;

  @Column('varchar', { length: 40, nullable: true })
  lead_status!: string | null;

  @Column('integer', { default: 0 })
  emails_sent!: number;

  @Column('integer', { default: 0 })
  opens!: number;

  @Column('integer', { default: 0 })
  clicks!: number;

  @Column('integer', { default: 0 })
  replies!: number;

  @Column('boolean', { default: false })
  bounced!: boolean;

  @Column('boolean', { default: false })
  unsubscribed!: boolean;

  @Column('timestamptz', { nullable: true })
  last_event_at!: Date | null;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;
}
