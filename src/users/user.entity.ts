import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/** A person of an organization; the portal's tokens name them by id. */
@Entity('user')
@Check('ck_user_role', `role IN ('owner', 'admin', 'member', 'viewer')`)
@Check('ck_user_status', `status IN ('active', 'inactive')`)
@Index('idx_user_organization', ['organization_id', 'created_at'])
@Index('uq_user_org_email', { synchronize: false }) // (organization_id, lower(email)), unique
export class User {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_user' })
  id!: string;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_user_organization' })
  organization?: Organization;

  @Column('varchar', { length: 320 })
  email!: string;

  @Column('varchar', { length: 100, nullable: true })
  first_name!: string | null;

  @Column('varchar', { length: 100, nullable: true })
  last_name!: string | null;

  @Column('varchar', { length: 20, default: 'member' })
  role!: 'owner' | 'admin' | 'member' | 'viewer';

  @Column('varchar', { length: 20, default: 'active' })
  status!: 'active' | 'inactive';

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  updated_at!: Date;
}
