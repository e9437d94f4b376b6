import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Campaign } from '../campaigns/campaign.entity';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';

/** A user's access to a campaign. */
@Entity('user_campaign_assignment')
@Check('ck_uca_role', `role IN ('owner', 'admin', 'member', 'viewer')`)
@Check('ck_uca_status', `status IN ('active', 'inactive', 'revoked')`)
@Unique('uq_user_campaign', ['user_id', 'campaign_id'])
@Index('idx_user_campaign_user', ['user_id'])
@Index('idx_user_campaign_campaign', ['campaign_id'])
@Index('idx_user_campaign_org', ['organization_id'])
@Index('idx_user_campaign_status', { synchronize: false }) // partial: status = 'active'
export class UserCampaignAssignment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_user_campaign_assignment' })
  id!: string;

  @Column('uuid')
  user_id!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_uca_user' })
  user?: User;

  @Column('uuid')
  campaign_id!: string;

  @ManyToOne(() => Campaign, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'fk_uca_campaign' })
  campaign?: Campaign;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_uca_organization' })
  organization?: Organization;

  @Column('uuid', { nullable: true })
  assigned_by!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assigned_by', foreignKeyConstraintName: 'fk_uca_assigned_by' })
  assigner?: User | null;

  @Column('timestamptz', { default: () => 'now()' })
  assigned_at!: Date;

  @Column('varchar', { length: 50, default: 'member' })
  role!: 'owner' | 'admin' | 'member' | 'viewer';

  @Column('boolean', { default: false })
  can_edit!: boolean;

  @Column('boolean', { default: true })
  can_view_stats!: boolean;

  @Column('boolean', { default: false })
  can_manage_contacts!: boolean;

  @Column('varchar', { length: 20, default: 'active' })
  status!: 'active' | 'inactive' | 'revoked';

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;
}
