import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A customer organization: the tenant every other row belongs to. */
@Entity('organization')
@Check('ck_organization_status', `status IN ('active', 'inactive', 'suspended')`)
@Check('ck_organization_auto_assign', `auto_assign_strategy IN ('round_robin', 'lead_score')`)
@Unique('uq_organization_instantly_workspace', ['instantly_workspace_id'])
@Index('idx_organization_name', { synchronize: false }) // lower(name)
export class Organization {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_organization' })
  id!: string;

  @Column('varchar', { length: 200 })
  name!: string;

  /** Routes the platform's Instantly events here; only platform roles may set it (trigger). */
  @Column('varchar', { length: 100, nullable: true })
  instantly_workspace_id!: string | null;

  @Column('varchar', { length: 20, nullable: true })
  auto_assign_strategy!: 'round_robin' | 'lead_score' | null;

  @Column('varchar', { length: 20, default: 'active' })
  status!: 'active' | 'inactive' | 'suspended';

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;
}
