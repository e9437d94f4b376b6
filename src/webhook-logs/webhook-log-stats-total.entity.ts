import { Column, Entity, PrimaryColumn } from 'typeorm';

/** All-time logs per organization and dimension: the daily rollup's sums, kept by triggers on it. */
@Entity('webhook_log_stats_total')
export class WebhookLogStatsTotal {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_log_stats_total' })
  organization_id!: string;

  @PrimaryColumn('varchar', { length: 12, primaryKeyConstraintName: 'pk_webhook_log_stats_total' })
  dim!: string;

  @PrimaryColumn('varchar', { length: 100, primaryKeyConstraintName: 'pk_webhook_log_stats_total' })
  value!: string;

  @Column('bigint')
  n!: string;
}
