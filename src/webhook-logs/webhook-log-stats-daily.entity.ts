import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Logs per organization, UTC day and one dimension (event type or source) and its value. */
@Entity('webhook_log_stats_daily')
@Index('idx_webhook_log_stats_daily_day', ['day'])
export class WebhookLogStatsDaily {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_log_stats_daily' })
  organization_id!: string;

  @PrimaryColumn('date', { primaryKeyConstraintName: 'pk_webhook_log_stats_daily' })
  day!: string;

  @PrimaryColumn('varchar', { length: 12, primaryKeyConstraintName: 'pk_webhook_log_stats_daily' })
  dim!: string;

  @PrimaryColumn('varchar', { length: 100, primaryKeyConstraintName: 'pk_webhook_log_stats_daily' })
  value!: string;

  @Column('bigint')
  n!: string;
}
