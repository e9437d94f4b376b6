import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Logs per organization, UTC hour and status: the stats' totals and time series. */
@Entity('webhook_log_stats_hourly')
@Index('idx_webhook_log_stats_hourly_hour', ['hour'])
export class WebhookLogStatsHourly {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_log_stats_hourly' })
  organization_id!: string;

  @PrimaryColumn('timestamp', { primaryKeyConstraintName: 'pk_webhook_log_stats_hourly' })
  hour!: Date;

  @PrimaryColumn('varchar', { length: 20, primaryKeyConstraintName: 'pk_webhook_log_stats_hourly' })
  status!: string;

  @Column('bigint')
  n!: string;
}
