import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/** An outreach campaign, created by hand or from Instantly's events. */
@Entity('campaign')
@Check('ck_campaign_status', `status IN ('draft', 'active', 'paused', 'completed', 'archived')`)
@Unique('uq_campaign_instantly', ['organization_id', 'instantly_campaign_id'])
@Index('idx_campaign_org_name', ['organization_id', 'name'])
@Index('idx_campaign_name', ['name'])
@Index('idx_campaign_instantly', { synchronize: false }) // partial: instantly_campaign_id IS NOT NULL
export class Campaign {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_campaign' })
  id!: string;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_campaign_organization' })
  organization?: Organization;

  @Column('varchar', { length: 300 })
  name!: string;

  @Column('varchar', { length: 20, default: 'active' })
  status!: 'draft' | 'active' | 'paused' | 'completed' | 'archived';

  /** Set by processing (system) or platform roles only (trigger). */
  @Column('varchar', { length: 100, nullable: true })
  instantly_campaign_id!: string | null;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;
}
