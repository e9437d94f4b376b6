import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';

/** An onboarding link's state and tracking; its token lives apart (OnboardingLinkToken). */
@Entity('onboarding_link')
@Check('ck_onboarding_link_status', `status IN ('active', 'expired', 'used', 'revoked')`)
@Check('ck_onboarding_link_progress', `progress_percentage >= 0 AND progress_percentage <= 100`)
@Check('ck_onboarding_link_steps', `total_steps >= 1 AND total_steps <= 50 AND current_step >= 1 AND current_step <= total_steps`)
@Unique('uq_onboarding_link_id_org', ['id', 'organization_id'])
@Index('idx_onboarding_link_org', ['organization_id', 'created_at'])
@Index('idx_onboarding_link_created', ['created_at', 'id'])
@Index('idx_onboarding_link_expires', ['expires_at'])
@Index('idx_onboarding_link_creator', { synchronize: false }) // partial: created_by IS NOT NULL
export class OnboardingLink {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_onboarding_link' })
  id!: string;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_onboarding_link_organization' })
  organization?: Organization;

  @Column('uuid', { nullable: true })
  created_by!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'fk_onboarding_link_created_by' })
  creator?: User | null;

  @Column('uuid', { nullable: true })
  template_id!: string | null;

  @Column('varchar', { length: 100, nullable: true })
  template_name!: string | null;

  @Column('text', { nullable: true })
  welcome_message!: string | null;

  @Column('varchar', { length: 20, default: 'active' })
  status!: 'active' | 'expired' | 'used' | 'revoked';

  @Column('timestamptz')
  expires_at!: Date;

  @Column('integer', { default: 0 })
  clicks_count!: number;

  @Column('timestamptz', { nullable: true })
  first_accessed_at!: Date | null;

  @Column('timestamptz', { nullable: true })
  last_accessed_at!: Date | null;

  @Column('timestamptz', { nullable: true })
  completed_at!: Date | null;

  @Column('integer', { default: 1 })
  current_step!: number;

  @Column('integer', { default: 5 })
  total_steps!: number;

  @Column('integer', { default: 0 })
  progress_percentage!: number;

  @Column('jsonb', { default: () => "'[]'" })
  ip_addresses!: string[];

  @Column('jsonb', { default: () => "'[]'" })
  user_agents!: string[];

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;

  @Column('timestamptz', { nullable: true })
  revoked_at!: Date | null;

  @Column('uuid', { nullable: true })
  revoked_by!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'revoked_by', foreignKeyConstraintName: 'fk_onboarding_link_revoked_by' })
  revoker?: User | null;

  @Column('text', { nullable: true })
  revoked_reason!: string | null;
}
