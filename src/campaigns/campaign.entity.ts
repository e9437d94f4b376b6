import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/** An outreach campaign, created by hand or from Instantly's events. */
@Entity('campaign')
@Check('ck_campaign_status', `status IN ('draft', 'active', 'paused', 'completed', 'archived')`)
@Unique('uq_campaign_instantly', ['organization_id', 'instantly_campaign_id'])
@Index('idx_campaign_org_name', ['organization_id', 'name'])
@Index('idx_campaign_name', ['name'])
@Index('idx_campaign_instantly', { synchronize: false }) // partial: trusted routing mappings
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

  /**
   * Events may be routed here by instantly_campaign_id: set by platform roles and workspace-routed
   * processing only, never for campaigns an organization's own credential created (migration
   * CampaignRouting).
   */
  @Column('boolean', { default: false })
  routes_events!: boolean;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;
}
