import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/** Who did what: the dashboard's recent activity. */
@Entity('activity_log')
@Index('idx_activity_log_org_created', ['organization_id', 'created_at', 'id'])
@Index('idx_activity_log_created', ['created_at', 'id'])
export class ActivityLog {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_activity_log' })
  id!: string;

  @Column('uuid', { nullable: true })
  organization_id!: string | null;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_activity_log_organization' })
  organization?: Organization | null;

  @Column('uuid', { nullable: true })
  actor_id!: string | null;

  @Column('varchar', { length: 20 })
  actor_role!: string;

  @Column('varchar', { length: 60 })
  action!: string;

  @Column('varchar', { length: 40, nullable: true })
  target_type!: string | null;

  @Column('uuid', { nullable: true })
  target_id!: string | null;

  @Column('integer', { default: 1 })
  item_count!: number;

  @Column('jsonb', { default: () => "'{}'" })
  details!: Record<string, unknown>;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;
}
