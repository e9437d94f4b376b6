import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * A deleted user, kept by id so that a token naming them is refused while it could still be valid
 * (migration Lifecycle). Written by a trigger on "user"; read only by token_subject_standing().
 */
@Entity('removed_user')
@Index('idx_removed_user_organization', ['organization_id'])
export class RemovedUser {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_removed_user' })
  user_id!: string;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_removed_user_organization' })
  organization?: Organization;

  @Column('timestamptz', { default: () => 'now()' })
  removed_at!: Date;
}
