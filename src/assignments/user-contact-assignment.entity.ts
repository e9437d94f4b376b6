import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Contact } from '../campaigns/contact.entity';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';

/** A contact's owner: at most one active owner per contact (a partial unique index). */
@Entity('user_contact_assignment')
@Check('ck_ucoa_type', `assignment_type IN ('manual', 'round_robin', 'lead_score', 'territory')`)
@Check('ck_ucoa_status', `status IN ('active', 'inactive', 'transferred')`)
@Check('ck_ucoa_percentage', `ownership_percentage >= 0 AND ownership_percentage <= 100`)
@Unique('uq_user_contact', ['user_id', 'contact_id'])
@Index('idx_user_contact_user', ['user_id'])
@Index('idx_user_contact_contact', ['contact_id'])
@Index('idx_user_contact_org', ['organization_id'])
@Index('idx_user_contact_status', { synchronize: false }) // partial: status = 'active'
@Index('idx_user_contact_user_active', { synchronize: false }) // partial: status = 'active'
@Index('idx_user_contact_next_followup', { synchronize: false }) // partial: next_followup_at IS NOT NULL
@Index('uq_user_contact_one_active_owner', { synchronize: false }) // unique, partial: status = 'active'
export class UserContactAssignment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_user_contact_assignment' })
  id!: string;

  @Column('uuid')
  user_id!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_ucoa_user' })
  user?: User;

  @Column('uuid')
  contact_id!: string;

  @ManyToOne(() => Contact, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'fk_ucoa_contact' })
  contact?: Contact;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_ucoa_organization' })
  organization?: Organization;

  @Column('uuid', { nullable: true })
  assigned_by!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assigned_by', foreignKeyConstraintName: 'fk_ucoa_assigned_by' })
  assigner?: User | null;

  @Column('timestamptz', { default: () => 'now()' })
  assigned_at!: Date;

  @Column('varchar', { length: 50, default: 'manual' })
  assignment_type!: 'manual' | 'round_robin' | 'lead_score' | 'territory';

  @Column('boolean', { default: true })
  is_primary_owner!: boolean;

  @Column('integer', { default: 100 })
  ownership_percentage!: number;

  @Column('varchar', { length: 20, default: 'active' })
  status!: 'active' | 'inactive' | 'transferred';

  @Column('timestamptz', { nullable: true })
  last_contacted_at!: Date | null;

  @Column('timestamptz', { nullable: true })
  next_followup_at!: Date | null;

  @Column('integer', { default: 0 })
  interactions_count!: number;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;
}
