import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Counts changed by one statement on webhook_log (statement trigger), folded into the rollups by the job. */
@Entity('webhook_log_stats_delta')
export class WebhookLogStatsDelta {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_webhook_log_stats_delta' })
  id!: string;

  @Column('uuid')
  organization_id!: string;

  @Column('timestamp')
  hour!: Date;

  @Column('varchar', { length: 100 })
  event_type!: string;

  @Column('varchar', { length: 20 })
  event_source!: string;

  @Column('varchar', { length: 20 })
  status!: string;

  @Column('integer')
  n!: number;
}
