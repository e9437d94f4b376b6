import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { OnboardingLink } from './onboarding-link.entity';

/**
 * A link's token and URL, apart from the link so that members and viewers, who may read links, do
 * not read their credentials (RLS: platform, the organization's owner and admins, the holder).
 * The foreign key names the link together with its organization: a key is checked without RLS,
 * so the link id alone would let a token row point at another tenant's link.
 */
@Entity('onboarding_link_token')
@Index('idx_onboarding_link_token_org', ['organization_id'])
@Index('uq_onboarding_link_token', ['link_token'], { unique: true })
export class OnboardingLinkToken {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_onboarding_link_token' })
  link_id!: string;

  @Column('uuid')
  organization_id!: string;

  @ManyToOne(() => OnboardingLink, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn([
    { name: 'link_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_onboarding_link_token_link' },
    { name: 'organization_id', referencedColumnName: 'organization_id', foreignKeyConstraintName: 'fk_onboarding_link_token_link' },
  ])
  link?: OnboardingLink;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_onboarding_link_token_organization' })
  organization?: Organization;

  @Column('varchar', { length: 100 })
  link_token!: string;

  @Column('text')
  link_url!: string;
}
