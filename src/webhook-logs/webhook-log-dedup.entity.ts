import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The dedup key of every stored event, for WEBHOOK_DEDUP_RETENTION_DAYS: receipt stores an event
 * only if its (source, key) is new here (the partitioned log cannot hold a unique index on it).
 */
@Entity('webhook_log_dedup')
@Index('idx_webhook_log_dedup_created', ['created_at'])
export class WebhookLogDedup {
  @PrimaryColumn('varchar', { length: 20, primaryKeyConstraintName: 'pk_webhook_log_dedup' })
  event_source!: string;

  @PrimaryColumn('varchar', { length: 64, primaryKeyConstraintName: 'pk_webhook_log_dedup' })
  dedup_key!: string;

  @Column('uuid')
  log_id!: string;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;
}
