import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stats delta table and the retry queue are queues: rows come in and a periodic statement
 * deletes them all. With the default thresholds (20% of the table) autovacuum reaches them late,
 * and every read scans the dead rows meanwhile: after a compaction of 380,000 deltas (a bulk load),
 * the first stats answer read 29,000 dead pages (117 ms; 57 ms once vacuumed). A fixed threshold
 * has autovacuum clean them on its next round whatever their size.
 */
const TABLES = ['webhook_log_stats_delta', 'webhook_log_retry'];

export class QueueTablesAutovacuum1764100008000 implements MigrationInterface {
  name = 'QueueTablesAutovacuum1764100008000';

  public async up(q: QueryRunner): Promise<void> {
    for (const t of TABLES) {
      await q.query(`ALTER TABLE ${t} SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
                                          autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000)`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const t of TABLES) {
      await q.query(`ALTER TABLE ${t} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
                                            autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold)`);
    }
  }
}
