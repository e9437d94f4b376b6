import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { LogCursor } from './log-filter';
import { CURSOR_TS_EXPR, iso8601, TimeRange } from './webhook-log.sql';

/** Retention of webhook logs (batched deletes, whole months by partition), the partitions, the search's trigram sample and the dedup keys' expiry. */
@Injectable()
export class WebhookLogRetentionRepository {
  constructor(private readonly db: Db) {}

  /**
   * Deletes up to batch logs older than the given days in one of statuses, within [range.from,
   * range.to) when given, oldest first, from after the key the previous batch ended at (keyset): a
   * batch never walks again over the rows earlier batches deleted, which in one transaction are
   * still in the index (a plain `DELETE ... LIMIT` per batch read them all again, quadratic in the
   * rows deleted). Returns how many were deleted and the key to go on from (null: nothing was left).
   */
  async deleteOlderThan(
    olderThanDays: number,
    statuses: string[],
    batch: number,
    after: LogCursor | null,
    range: TimeRange,
  ): Promise<{ deleted: number; next: LogCursor | null }> {
    const rows = await this.db.query<{ deleted: number; created_at: string | null; id: string | null }>(sql`WITH doomed AS (
         SELECT id, created_at FROM webhook_log
          WHERE created_at < now() - make_interval(days => ${olderThanDays}) AND status = ANY(${statuses}::text[])
            AND (${range.from}::timestamptz IS NULL OR created_at >= ${range.from}) AND (${range.to}::timestamptz IS NULL OR created_at < ${range.to})
            AND (${after?.createdAt ?? null}::timestamptz IS NULL OR (created_at, id) > (${after?.createdAt ?? null}::timestamptz, ${after?.id ?? null}::uuid))
          ORDER BY created_at, id LIMIT ${batch}),
       gone AS (DELETE FROM webhook_log w USING doomed d WHERE w.id = d.id AND w.created_at = d.created_at RETURNING 1),
       last AS (SELECT id, ${CURSOR_TS_EXPR} AS created_at FROM doomed ORDER BY doomed.created_at DESC, id DESC LIMIT 1)
       SELECT (SELECT count(*) FROM gone)::int AS deleted, last.created_at, last.id FROM (SELECT 1) one LEFT JOIN last ON true`);
    const r = rows[0];
    return { deleted: r.deleted, next: r.id && r.created_at ? { createdAt: r.created_at, id: r.id } : null };
  }

  /** For a retention of days: the start of the UTC month that holds now - days (every partition before it can go whole). */
  async retentionCutoff(olderThanDays: number): Promise<string> {
    const rows = await this.db.query<{ cutoff: string }>(
      sql`SELECT ${iso8601(sql`date_trunc('month', (now() - make_interval(days => ${olderThanDays})) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`)} AS cutoff`,
    );
    return rows[0].cutoff;
  }

  /** Deletes the statuses' logs of every partition that ends by cutoff by replacing the partition (webhook_log_drop_months). */
  async dropMonths(cutoff: string, statuses: string[]): Promise<{ deleted: number; droppedBefore: string | null }> {
    const rows = await this.db.query<{ deleted: number; dropped_before: string | null }>(
      sql`SELECT deleted::int AS deleted, ${iso8601(sql`dropped_before`)} AS dropped_before FROM webhook_log_drop_months(${cutoff}, ${statuses}::text[])`,
    );
    return { deleted: rows[0].deleted, droppedBefore: rows[0].dropped_before };
  }

  /** Prepares, without locking them, the kept logs' tables of the partitions that end by cutoff (webhook_log_prepare_kept); returns how many it made. */
  async prepareKept(cutoff: string, statuses: string[]): Promise<number> {
    const rows = await this.db.query<{ n: number }>(sql`SELECT webhook_log_prepare_kept(${cutoff}, ${statuses}::text[]) AS n`);
    return rows[0].n;
  }

  /** Creates this month's partition and monthsAhead more where missing; returns how many it created. */
  async ensurePartitions(monthsAhead: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(sql`SELECT webhook_log_ensure_partitions(${monthsAhead}) AS n`);
    return rows[0].n;
  }

  /** Samples about sampleRows logs for the search's trigram shares (webhook_log_refresh_search_trigrams); returns the trigrams kept. */
  async refreshSearchTrigrams(sampleRows: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(sql`SELECT webhook_log_refresh_search_trigrams(${sampleRows}) AS n`);
    return rows[0].n;
  }

  /** Rows in the default partition (up to 100,000) and the monthly partitions ahead of today. */
  async partitionHealth(): Promise<{ default_rows: number; months_ahead: number; monthly_partitions: number } | undefined> {
    const rows = await this.db.query<{ default_rows: number; months_ahead: number; monthly_partitions: number }>(
      sql`SELECT default_rows::int AS default_rows, months_ahead, monthly_partitions FROM webhook_log_partition_health()`,
    );
    return rows[0]?.default_rows === null ? undefined : rows[0];
  }

  /** Deletes up to batch dedup keys older than days, oldest first; returns how many. */
  async deleteExpiredDedupKeys(olderThanDays: number, batch: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(sql`WITH gone AS (
         DELETE FROM webhook_log_dedup k USING (
           SELECT event_source, dedup_key FROM webhook_log_dedup
            WHERE created_at < now() - make_interval(days => ${olderThanDays}) ORDER BY created_at LIMIT ${batch}) old
          WHERE k.event_source = old.event_source AND k.dedup_key = old.dedup_key RETURNING 1)
       SELECT count(*)::int AS n FROM gone`);
    return rows[0].n;
  }
}
