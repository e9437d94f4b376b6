import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One run of a scheduled job for one slot: the primary key lets one instance of many claim it. */
@Entity('job_run')
export class JobRun {
  @PrimaryColumn('varchar', { length: 60, primaryKeyConstraintName: 'pk_job_run' })
  job!: string;

  @PrimaryColumn('timestamptz', { primaryKeyConstraintName: 'pk_job_run' })
  slot!: Date;

  @Column('varchar', { length: 100 })
  instance!: string;

  @Column('timestamptz', { default: () => 'now()' })
  started_at!: Date;

  @Column('timestamptz', { nullable: true })
  finished_at!: Date | null;

  @Column('jsonb', { nullable: true })
  result!: Record<string, unknown> | null;
}
