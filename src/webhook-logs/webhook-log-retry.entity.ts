import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A retry an admin asked for, waiting for a worker (one row per log). */
@Entity('webhook_log_retry')
@Index('idx_webhook_log_retry_requested', ['requested_at'])
export class WebhookLogRetry {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_log_retry' })
  log_id!: string;

  @Column('uuid', { nullable: true })
  organization_id!: string | null;

  @Column('boolean', { default: false })
  force!: boolean;

  @Column('timestamptz', { default: () => 'now()' })
  requested_at!: Date;

  @Column('uuid', { nullable: true })
  requested_by!: string | null;
}
