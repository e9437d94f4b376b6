import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Campaign } from '../campaigns/campaign.entity';
import { Organization } from '../organizations/organization.entity';

/**
 * Every received event, stored before it is processed, and its processing state (the retry queue
 * is this table: pending rows are due at next_attempt_at, processing rows leased until
 * locked_until). Partitioned by month on created_at (migration WebhookLogPartitions), hence the
 * primary key (id, created_at); the dedup key is unique in webhook_log_dedup. Each index serves a
 * measured view or job (docs/operations.md); the partial, descending and trigram ones are the
 * migrations' (synchronize: false).
 */
@Entity('webhook_log')
@Check('ck_webhook_log_source', `event_source IN ('instantly', 'weconnect', 'n8n', 'zapier', 'make', 'custom', 'manual', 'system')`)
@Check('ck_webhook_log_status', `status IN ('pending', 'processing', 'processed', 'failed', 'skipped')`)
@Index('idx_webhook_log_created', ['created_at', 'id'])
@Index('idx_webhook_log_org_created', ['organization_id', 'created_at', 'id'])
@Index('idx_webhook_log_org_status_created', ['organization_id', 'status', 'created_at', 'id'])
@Index('idx_webhook_log_status_created', { synchronize: false }) // INCLUDE (event_source, organization_id)
@Index('idx_webhook_log_contact_email', { synchronize: false }) // partial: contact_email IS NOT NULL
@Index('idx_webhook_log_due', { synchronize: false }) // partial: status = 'pending'
@Index('idx_webhook_log_leased', { synchronize: false }) // partial: status = 'processing'
@Index('idx_webhook_log_search_trgm', { synchronize: false }) // gin trigram over email, campaign name, error
export class WebhookLog {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_log' })
  id!: string;

  @Column('uuid', { nullable: true })
  organization_id!: string | null;

  @ManyToOne(() => Organization, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_webhook_log_organization' })
  organization?: Organization | null;

  @Column('varchar', { length: 20 })
  event_source!: string;

  @Column('varchar', { length: 100 })
  event_type!: string;

  @Column('varchar', { length: 200, nullable: true })
  raw_event_type!: string | null;

  @Column('varchar', { length: 20, default: 'pending' })
  status!: 'pending' | 'processing' | 'processed' | 'failed' | 'skipped';

  @Column('varchar', { length: 64 })
  dedup_key!: string;

  @Column('jsonb')
  payload!: Record<string, unknown>;

  @Column('varchar', { length: 100, nullable: true })
  workspace_id!: string | null;

  @Column('varchar', { length: 100, nullable: true })
  instantly_campaign_id!: string | null;

  @Column('uuid', { nullable: true })
  campaign_id!: string | null;

  @ManyToOne(() => Campaign, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'fk_webhook_log_campaign' })
  campaign?: Campaign | null;

  @Column('varchar', { length: 300, nullable: true })
  campaign_name!: string | null;

  @Column('varchar', { length: 320, nullable: true })
  contact_email!: string | null;

  @Column('text', { nullable: true })
  error_message!: string | null;

  @Column('jsonb', { default: () => "'[]'" })
  attempt_history!: unknown[];

  @Column('integer', { default: 0 })
  retry_count!: number;

  @Column('integer', { default: 0 })
  attempts!: number;

  @Column('timestamptz', { default: () => 'now()' })
  next_attempt_at!: Date;

  @Column('timestamptz', { nullable: true })
  locked_until!: Date | null;

  @Column('timestamptz', { nullable: true })
  last_retry_at!: Date | null;

  @Column('timestamptz', { nullable: true })
  processed_at!: Date | null;

  @PrimaryColumn('timestamptz', { primaryKeyConstraintName: 'pk_webhook_log', default: () => 'now()' })
  created_at!: Date;

  /** The organization whose own credential received the event (processed into it only). */
  @Column('uuid', { nullable: true })
  credential_org_id!: string | null;
}
