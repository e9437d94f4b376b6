import { QueryFailedError } from 'typeorm';
import { Injectable } from '@nestjs/common';
import Cursor from 'pg-cursor';
import { Db } from '../database/db.service';
import { RetriedLogDto, WebhookLogDetailDto, WebhookLogDto } from './dto/webhook-log.response.dto';
import { LogCursor } from './log-filter';
import { WebhookLog } from './webhook-log.entity';

/** The substring search runs over these three columns at once (the trigram index's expression). */
const SEARCH_EXPR = `(coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, ''))`;

/**
 * The list filter as one fixed SQL text with positional parameters from $start on, in the order of
 * logFilterValues(). Unset filters are NULL and folded away when PostgreSQL plans the statement
 * with its parameters.
 */
function filterSql(start: number): string {
  const p = (i: number) => `$${start + i}`;
  return `(${p(0)}::text IS NULL OR event_type = ${p(0)})
    AND (${p(1)}::text IS NULL OR event_source = ${p(1)})
    AND (${p(2)}::text IS NULL OR status = ${p(2)})
    AND (${p(3)}::uuid IS NULL OR campaign_id = ${p(3)})
    AND (${p(4)}::uuid IS NULL OR organization_id = ${p(4)})
    AND (${p(5)}::timestamptz IS NULL OR created_at >= ${p(5)})
    AND (${p(6)}::timestamptz IS NULL OR created_at < ${p(6)})
    AND (${p(7)}::text IS NULL OR ${SEARCH_EXPR} ILIKE ${p(7)} ESCAPE '\\')
    AND (${p(8)}::text IS NULL OR contact_email = ${p(8)})
    AND (${p(9)}::uuid[] IS NULL OR id = ANY(${p(9)}))`;
}

/** Where the search pattern, and the ids that answer a search, are in logFilterValues() (and so in filterSql's parameters). */
const SEARCH_PARAM = 7;
const SEARCH_IDS_PARAM = 9;

/** When a bulk retry by filter queued the log and no worker has taken it yet (else null). */
const RETRY_QUEUED_AT = `(SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at`;

const LOG_COLUMNS = `id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
  contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at`;
const LIST_COLUMNS = `${LOG_COLUMNS}, ${RETRY_QUEUED_AT}`;

/** A timestamptz as exact UTC ISO text (microseconds), or null. */
const iso8601 = (c: string) => `to_char((${c}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** created_at as exact UTC text, selected next to each row for its cursor. */
const CURSOR_TS_EXPR = iso8601('created_at');

/**
 * With a search, the matches come from the trigram index and are sorted afterwards; ordering by
 * the bare column would let the planner walk the created_at index newest-first and test every row
 * against the pattern, which for a rare match means most of the table. Same order, other plan.
 */
const SEARCH_ORDER = `created_at + interval '0' DESC, id DESC`;

/**
 * Reads in index order: no sort. A switched-off plan node costs 1e10 in the planner's estimate,
 * which also turns on JIT compilation (jit_above_cost): 0.8 s to compile a plan over 14
 * partitions for a count that then ran in 13 ms. So JIT is off wherever a node is.
 */
// One statement: it may be the first of its transaction, which carries the RLS context with it.
const INDEX_ORDER = `SELECT set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`;
const INDEX_ORDER_RESET = 'SET LOCAL enable_sort TO DEFAULT; SET LOCAL jit TO DEFAULT';

/** Timestamps leave PostgreSQL as ISO text (what JSON.stringify gives a Date): a million Dates parsed and printed again cost the export most of its CPU. */
const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${c}`;
const EXPORT_COLUMNS = {
  csv: ['id', 'event_type', 'event_source', 'campaign_name', 'contact_email', 'status', 'error_message', iso('created_at')].join(', '),
  json: `id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name, contact_email,
         error_message, retry_count, attempts, ${iso('last_retry_at')}, ${iso('processed_at')}, ${iso('created_at')}`,
} as const;

/** A statement PostgreSQL cancelled at its statement_timeout. */
export function isStatementTimeout(err: unknown): boolean {
  const driver = err instanceof QueryFailedError ? (err.driverError as { code?: string }) : (err as { code?: string });
  return driver?.code === '57014';
}

export type LogRow = WebhookLogDto & { cursor_ts: string };

/** A half-open range of created_at, as exact ISO text; null bounds are open. */
export interface TimeRange {
  from: string | null;
  to: string | null;
}

export interface BulkRetryByIds {
  success_count: number;
  requested: number;
  not_found: number;
  already_pending: number;
  processed_needs_force: number;
}

export interface StatsScanRow {
  status: string | null;
  event_type: string | null;
  event_source: string | null;
  bucket: Date | null;
  n: number;
  failed: number;
  g: number;
}

/**
 * webhook_log and its retry queue and stats rollup: the list, search, detail, retries, cleanup,
 * stats and export, as the caller's RLS context lets them see it. `filter` arguments are
 * logFilterValues().
 */
@Injectable()
export class WebhookLogRepository {
  constructor(private readonly db: Db) {}

  /** Ids of every log of the caller's whose search text contains pattern (webhook_log_search_matches), or null when there are more than maxMatches. */
  async searchMatchIds(pattern: string, maxMatches: number): Promise<string[] | null> {
    const [row] = await this.db.query<{ ids: string[] }>(`SELECT ids FROM webhook_log_search_matches($1, $2)`, [pattern, maxMatches]);
    const ids = row?.ids ?? [];
    return ids.length > maxMatches ? null : ids;
  }

  /**
   * A search on its own in one read of its matches (newest month first): the page's ids (newest
   * first, before the cursor, after skip, take of them), the matches read (exact up to countCap;
   * past it, reading stops once the page is known), and the page's oldest and newest times. With
   * more than maxMatches, matches is maxMatches + 1 and the rest is not meaningful.
   */
  async searchPage(
    pattern: string,
    maxMatches: number,
    countCap: number,
    cursor: LogCursor | null,
    skip: number,
    take: number,
  ): Promise<{ ids: string[]; matches: number; within: TimeRange }> {
    const [row] = await this.db.query<{ ids: string[]; matches: number; oldest: string | null; newest: string | null }>(
      `SELECT ids, matches, ${iso8601('oldest')} AS oldest, ${iso8601('newest')} AS newest FROM webhook_log_search_page($1, $2, $3, $4, $5, $6, $7)`,
      [pattern, maxMatches, countCap, cursor?.createdAt ?? null, cursor?.id ?? null, skip, take],
    );
    return { ids: row?.ids ?? [], matches: row?.matches ?? 0, within: { from: row?.oldest ?? null, to: row?.newest ?? null } };
  }

  /** The newest maxRows of the caller's logs whose search text contains pattern, before the cursor, read month by month, newest first (webhook_log_search_newest). */
  async searchNewest(pattern: string, maxRows: number, cursor: LogCursor | null): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(`SELECT id FROM webhook_log_search_newest($1, $2, $3, $4) AS id`, [
      pattern,
      maxRows,
      cursor?.createdAt ?? null,
      cursor?.id ?? null,
    ]);
    return rows.map((r) => r.id);
  }

  /**
   * Newest first, from the cursor (or offset), limit rows. bySearchOrder for trigram candidates;
   * walkIndex for a common search (read the newest rows in index order and filter them: under RLS
   * the planner cannot see how common a pattern is and would sort every match).
   */
  async page(
    filter: unknown[],
    cursor: LogCursor | null,
    limit: number,
    offset: number,
    opts: { bySearchOrder: boolean; walkIndex: boolean },
  ): Promise<LogRow[]> {
    const n = filter.length;
    if (opts.walkIndex) await this.db.query(INDEX_ORDER);
    const rows = await this.db.query<LogRow>(
      `SELECT ${LIST_COLUMNS}, ${CURSOR_TS_EXPR} AS cursor_ts FROM webhook_log
        WHERE ${filterSql(1)}
          AND ($${n + 1}::timestamptz IS NULL OR (created_at, id) < ($${n + 1}::timestamptz, $${n + 2}::uuid))
        ORDER BY ${opts.bySearchOrder ? SEARCH_ORDER : 'created_at DESC, id DESC'}
        LIMIT $${n + 3} OFFSET $${n + 4}`,
      [...filter, cursor?.createdAt ?? null, cursor?.id ?? null, limit, offset],
    );
    if (opts.walkIndex) await this.db.query(INDEX_ORDER_RESET);
    return rows;
  }

  /**
   * A search with other filters, in one statement: the search's matches (webhook_log_search_matches:
   * id and time of each, through the trigram index, up to maxMatches, or maxMatches + 1 when there
   * are more), then those rows, each read by its primary key in its own partition, that pass the
   * other filters under RLS: how many (total) and the page, newest first from the cursor (or
   * offset). Sorted after reading: the created_at index would walk every log testing each. With
   * found > maxMatches, total and rows cover only some of the matches: the caller reads the
   * newest logs instead.
   */
  async searchAmong(
    filter: unknown[],
    pattern: string,
    maxMatches: number,
    cursor: LogCursor | null,
    limit: number,
    offset: number,
  ): Promise<{ found: number; total: number; rows: LogRow[] }> {
    const n = filter.length;
    const rows = await this.db.query<LogRow & { found: number; total: number }>(
      `WITH m AS MATERIALIZED (SELECT ids, tss FROM webhook_log_search_matches($${n + 1}, $${n + 2})),
       hits AS (
         SELECT ${LOG_COLUMNS} FROM webhook_log
          WHERE ${filterSql(1)} AND (id, created_at) IN (SELECT * FROM unnest((SELECT ids FROM m), (SELECT tss FROM m)))),
       page AS (
         SELECT ${LIST_COLUMNS}, ${CURSOR_TS_EXPR} AS cursor_ts FROM hits webhook_log
          WHERE $${n + 3}::timestamptz IS NULL OR (created_at, id) < ($${n + 3}::timestamptz, $${n + 4}::uuid)
          ORDER BY created_at DESC, id DESC
          LIMIT $${n + 5} OFFSET $${n + 6})
       SELECT (SELECT cardinality(ids) FROM m)::int AS found, (SELECT count(*) FROM hits)::int AS total, page.*
         FROM (VALUES (1)) one LEFT JOIN page ON true`,
      [...filter, pattern, maxMatches, cursor?.createdAt ?? null, cursor?.id ?? null, limit, offset],
    );
    const first = rows[0];
    return {
      found: first?.found ?? 0,
      total: first?.total ?? 0,
      // An empty page is one row of nulls beside the counts.
      rows: first?.id ? rows.map(({ found: _, total: __, ...row }) => row) : [],
    };
  }

  /**
   * A common search within the newest window logs (after the cursor) that match the other
   * filters: a bounded read. Fewer than limit rows back means the page may lie further back.
   * filter carries the search pattern; the window is read without it (the pattern is applied to
   * the window's rows).
   */
  async pageInWindow(filter: unknown[], cursor: LogCursor | null, limit: number, offset: number, window: number): Promise<LogRow[]> {
    const n = filter.length;
    const unsearched = filter.map((v, i) => (i === SEARCH_PARAM ? null : v));
    return this.db.query<LogRow>(
      `SELECT ${LIST_COLUMNS}, ${CURSOR_TS_EXPR} AS cursor_ts FROM (
         SELECT * FROM webhook_log
          WHERE ${filterSql(1)}
            AND ($${n + 1}::timestamptz IS NULL OR (created_at, id) < ($${n + 1}::timestamptz, $${n + 2}::uuid))
          ORDER BY created_at DESC, id DESC LIMIT $${n + 3}) webhook_log
        WHERE ${SEARCH_EXPR} ILIKE $${n + 4} ESCAPE '\\'
        ORDER BY created_at DESC, id DESC
        LIMIT $${n + 5} OFFSET $${n + 6}`,
      [...unsearched, cursor?.createdAt ?? null, cursor?.id ?? null, window, filter[SEARCH_PARAM], limit, offset],
    );
  }

  /**
   * Matching rows counted up to cap + 1: an exact count over millions of rows costs more than the
   * page. It reads the newest matches in index order, as the page does, and stops at cap + 1.
   * Left to itself the planner chose a bitmap scan (which builds each partition's whole bitmap
   * first), parallel workers (slower to start than the count takes) or a sequential scan, which
   * starts where the last one on that partition stopped (synchronized scans): 10 to 250 ms for
   * the same count at 10M rows; in index order 9 ms.
   */
  async countUpTo(filter: unknown[], cap: number): Promise<number> {
    // With a (common) search pattern as well, the planner cannot see how common it is under RLS
    // and chose to read every partition and sort (2.2 s at 10M rows for a status and a pattern in
    // a tenth of the logs); in index order the count stops at cap + 1 (a few thousand rows).
    const sortOff = filter[SEARCH_PARAM] !== null ? '; SET LOCAL enable_sort TO off' : '';
    await this.db.query(
      `SET LOCAL enable_bitmapscan TO off; SET LOCAL max_parallel_workers_per_gather TO 0; SET LOCAL jit TO off${sortOff}`,
    );
    const rows = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log WHERE ${filterSql(1)} ORDER BY created_at DESC, id DESC LIMIT ${Number(cap) + 1}) s`,
      filter,
    );
    await this.db.query(
      `SET LOCAL enable_bitmapscan TO DEFAULT; SET LOCAL max_parallel_workers_per_gather TO DEFAULT; ${INDEX_ORDER_RESET}`,
    );
    return rows[0]?.n ?? 0;
  }

  async detail(id: string): Promise<(WebhookLogDetailDto & { dedup_key: string; locked_until: Date | null }) | undefined> {
    const rows = await this.db.query<WebhookLogDetailDto & { dedup_key: string; locked_until: Date | null }>(
      `SELECT webhook_log.*, o.name AS organization_name, ${RETRY_QUEUED_AT}
         FROM webhook_log LEFT JOIN organization o ON o.id = webhook_log.organization_id WHERE webhook_log.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** Back to pending and due now, when retriable (or waiting for its backoff); undefined otherwise. */
  async retry(id: string, force: boolean): Promise<(RetriedLogDto & { organization_id: string | null }) | undefined> {
    const rows = await this.db.query<RetriedLogDto & { organization_id: string | null }>(
      `UPDATE webhook_log SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
              retry_count = retry_count + 1, last_retry_at = now()
        WHERE id = $1 AND (status IN ('failed', 'skipped') OR ($2 AND status = 'processed')
                           -- waiting for its automatic retry's backoff: due now instead (not a first
                           -- attempt waiting for its fair turn: that would jump its neighbours' queue)
                           OR (status = 'pending' AND attempts > 0 AND next_attempt_at > now()))
        RETURNING id, status, retry_count, last_retry_at, organization_id`,
      [id, force],
    );
    return rows[0];
  }

  async statusOf(id: string): Promise<WebhookLog['status'] | undefined> {
    const log = await this.db.repository(WebhookLog).findOne({ select: { status: true }, where: { id } });
    return log?.status;
  }

  /**
   * Retries the retriable ones of ids (or, dryRun, only finds them) and says why the others were
   * not. The common case, every id retried, is one plain statement; the others' statuses are read
   * by a second one only when some id was not retried (its rows were not touched, so they show
   * their status from before). Every read is `id = ANY(ids)`: a join with the ids as a table let
   * the planner hash every failed log of every partition (403k rows at 10M logs) to find 10,000.
   * The reasons used to be CTEs of the same statement: 3.2 s against 1.2 s for 10,000 ids at 10M
   * rows, though they were not even read when every id was retried.
   */
  async bulkRetryByIds(ids: string[], force: boolean, dryRun: boolean): Promise<BulkRetryByIds> {
    const retriable = `(w.status IN ('failed', 'skipped') OR ($2 AND w.status = 'processed'))`;
    const requested = `(SELECT count(DISTINCT x)::int FROM unnest($1::uuid[]) x)`;
    const [first] = await this.db.query<{ done: string[]; requested: number }>(
      dryRun
        ? `SELECT coalesce(array_agg(w.id), '{}') AS done, ${requested} AS requested FROM webhook_log w WHERE w.id = ANY($1::uuid[]) AND ${retriable}`
        : `WITH upd AS (
             UPDATE webhook_log w SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
                    retry_count = w.retry_count + 1, last_retry_at = now()
              WHERE w.id = ANY($1::uuid[]) AND ${retriable}
             RETURNING w.id)
           SELECT coalesce((SELECT array_agg(id) FROM upd), '{}') AS done, ${requested} AS requested`,
      [ids, force],
    );
    const success = first.done.length;
    if (success >= first.requested)
      return { success_count: success, requested: first.requested, not_found: 0, already_pending: 0, processed_needs_force: 0 };
    const [rest] = await this.db.query<{ found: number; already_pending: number; processed_needs_force: number }>(
      `SELECT count(*)::int AS found,
              (count(*) FILTER (WHERE status IN ('pending', 'processing')))::int AS already_pending,
              (count(*) FILTER (WHERE status = 'processed'))::int AS processed_needs_force
         FROM webhook_log WHERE id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]))`,
      [ids, first.done],
    );
    return {
      success_count: success,
      requested: first.requested,
      not_found: first.requested - success - rest.found,
      already_pending: rest.already_pending,
      processed_needs_force: rest.processed_needs_force,
    };
  }

  /**
   * By filter the logs are queued, not rewritten (migration WebhookLogRetryQueue): a filter can
   * match any number of logs, and a worker claims queued logs as it claims pending ones. One
   * statement; matched counts the retriable logs, queued those not queued already. With
   * requestedBy null nothing is queued (a dry run): queued counts those that would be.
   */
  async queueRetryByFilter(
    filter: unknown[],
    force: boolean,
    requestedBy: string | null,
    dryRun: boolean,
  ): Promise<{ matched: number; queued: number }> {
    const retriable = (start: number) => `(status IN ('failed', 'skipped') OR ($1 AND status = 'processed')) AND ${filterSql(start)}`;
    const rows = dryRun
      ? await this.db.query<{ matched: number; queued: number }>(
          `SELECT count(*)::int AS matched,
                  count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM webhook_log_retry q WHERE q.log_id = webhook_log.id))::int AS queued
             FROM webhook_log WHERE ${retriable(2)}`,
          [force, ...filter],
        )
      : await this.db.query<{ matched: number; queued: number }>(
          `WITH matched AS (SELECT id, organization_id FROM webhook_log WHERE ${retriable(3)}),
                queued AS (
                  INSERT INTO webhook_log_retry (log_id, organization_id, force, requested_by)
                  SELECT id, organization_id, $1, $2 FROM matched
                  ON CONFLICT (log_id) DO NOTHING RETURNING 1)
           SELECT (SELECT count(*) FROM matched)::int AS matched, (SELECT count(*) FROM queued)::int AS queued`,
          [force, requestedBy, ...filter],
        );
    return rows[0];
  }

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
    const rows = await this.db.query<{ deleted: number; created_at: string | null; id: string | null }>(
      `WITH doomed AS (
         SELECT id, created_at FROM webhook_log
          WHERE created_at < now() - make_interval(days => $1) AND status = ANY($2::text[])
            AND ($6::timestamptz IS NULL OR created_at >= $6) AND ($7::timestamptz IS NULL OR created_at < $7)
            AND ($4::timestamptz IS NULL OR (created_at, id) > ($4::timestamptz, $5::uuid))
          ORDER BY created_at, id LIMIT $3),
       gone AS (DELETE FROM webhook_log w USING doomed d WHERE w.id = d.id AND w.created_at = d.created_at RETURNING 1),
       last AS (SELECT id, ${CURSOR_TS_EXPR} AS created_at FROM doomed ORDER BY doomed.created_at DESC, id DESC LIMIT 1)
       SELECT (SELECT count(*) FROM gone)::int AS deleted, last.created_at, last.id FROM (SELECT 1) one LEFT JOIN last ON true`,
      [olderThanDays, statuses, batch, after?.createdAt ?? null, after?.id ?? null, range.from, range.to],
    );
    const r = rows[0];
    return { deleted: r.deleted, next: r.id && r.created_at ? { createdAt: r.created_at, id: r.id } : null };
  }

  // ---- partitions (migration WebhookLogPartitions) ----

  /** For a retention of days: the start of the UTC month that holds now - days (every partition before it can go whole). */
  async retentionCutoff(olderThanDays: number): Promise<string> {
    const rows = await this.db.query<{ cutoff: string }>(
      `SELECT ${iso8601(`date_trunc('month', (now() - make_interval(days => $1)) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`)} AS cutoff`,
      [olderThanDays],
    );
    return rows[0].cutoff;
  }

  /** Deletes the statuses' logs of every partition that ends by cutoff by replacing the partition (webhook_log_drop_months). */
  async dropMonths(cutoff: string, statuses: string[]): Promise<{ deleted: number; droppedBefore: string | null }> {
    const rows = await this.db.query<{ deleted: number; dropped_before: string | null }>(
      `SELECT deleted::int AS deleted, ${iso8601('dropped_before')} AS dropped_before FROM webhook_log_drop_months($1, $2::text[])`,
      [cutoff, statuses],
    );
    return { deleted: rows[0].deleted, droppedBefore: rows[0].dropped_before };
  }

  /** Prepares, without locking them, the kept logs' tables of the partitions that end by cutoff (webhook_log_prepare_kept); returns how many it made. */
  async prepareKept(cutoff: string, statuses: string[]): Promise<number> {
    const rows = await this.db.query<{ n: number }>(`SELECT webhook_log_prepare_kept($1, $2::text[]) AS n`, [cutoff, statuses]);
    return rows[0].n;
  }

  /** Creates this month's partition and monthsAhead more where missing; returns how many it created. */
  async ensurePartitions(monthsAhead: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(`SELECT webhook_log_ensure_partitions($1) AS n`, [monthsAhead]);
    return rows[0].n;
  }

  /** Samples about sampleRows logs for the search's trigram shares (webhook_log_refresh_search_trigrams); returns the trigrams kept. */
  async refreshSearchTrigrams(sampleRows: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(`SELECT webhook_log_refresh_search_trigrams($1) AS n`, [sampleRows]);
    return rows[0].n;
  }

  /** Rows in the default partition (up to 100,000) and the monthly partitions ahead of today. */
  async partitionHealth(): Promise<{ default_rows: number; months_ahead: number; monthly_partitions: number } | undefined> {
    const rows = await this.db.query<{ default_rows: number; months_ahead: number; monthly_partitions: number }>(
      `SELECT default_rows::int AS default_rows, months_ahead, monthly_partitions FROM webhook_log_partition_health()`,
    );
    return rows[0]?.default_rows === null ? undefined : rows[0];
  }

  /** Deletes up to batch dedup keys older than days, oldest first; returns how many. */
  async deleteExpiredDedupKeys(olderThanDays: number, batch: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM webhook_log_dedup k USING (
           SELECT event_source, dedup_key FROM webhook_log_dedup
            WHERE created_at < now() - make_interval(days => $1) ORDER BY created_at LIMIT $2) old
          WHERE k.event_source = old.event_source AND k.dedup_key = old.dedup_key RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [olderThanDays, batch],
    );
    return rows[0].n;
  }

  /** Counts by status, type, source and time bucket in one scan of the matching rows (GROUPING SETS; g tells which set). */
  statsScan(filter: unknown[], interval: 'hour' | 'day', bucketFrom: Date): Promise<StatsScanRow[]> {
    return this.db.query<StatsScanRow>(
      `SELECT status, event_type, event_source,
              CASE WHEN created_at >= $2 THEN date_trunc($1, created_at, 'UTC') END AS bucket,
              count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed,
              GROUPING(status, event_type, event_source, CASE WHEN created_at >= $2 THEN date_trunc($1, created_at, 'UTC') END)::int AS g
         FROM webhook_log WHERE ${filterSql(3)}
        GROUP BY GROUPING SETS ((status), (event_type), (event_source),
                                (CASE WHEN created_at >= $2 THEN date_trunc($1, created_at, 'UTC') END))`,
      [interval, bucketFrom, ...filter],
    );
  }

  /**
   * A server-side cursor over the matching logs, newest first, in the current transaction. The
   * rows come in index order rather than sorted first: the first bytes leave at once and memory
   * stays flat (INDEX_ORDER for the rest of the transaction).
   */
  /** The rest of the request's transaction: each statement may take at most `ms` (57014 beyond: isStatementTimeout). */
  async limitStatementTime(ms: number): Promise<void> {
    await this.db.query(`SELECT set_config('statement_timeout', $1, true)`, [`${ms}ms`]);
  }

  async exportCursor(filter: unknown[], format: 'csv' | 'json'): Promise<Cursor<Record<string, unknown>>> {
    // A search answered by its matches' ids (at most SEARCH_EXACT rows) is sorted: walking the
    // index in order would test every log against the ids.
    if (filter[SEARCH_IDS_PARAM] === null) await this.db.query(INDEX_ORDER);
    // A cursor's fetches are one statement to statement_timeout (no Sync until it closes): the
    // 30 s default ended a 10M-row export after 6M rows. A slow client is ended by the stall
    // timeout instead; an hour bounds how long one export may hold its snapshot.
    await this.db.query(`SET LOCAL statement_timeout TO '1h'`);
    // Qualified: a bare created_at here would sort by the text column of the same name.
    const sql = `SELECT ${EXPORT_COLUMNS[format]} FROM webhook_log WHERE ${filterSql(1)} ORDER BY webhook_log.created_at DESC, webhook_log.id DESC`;
    return this.db.tx.query(new Cursor<Record<string, unknown>>(sql, filter));
  }

  // ---- the stats rollup (migration WebhookLogStats): daily counts per dimension, hourly per status, plus pending deltas ----

  /** Folds the deltas into the rollups, on one instance at a time; returns how many were folded. */
  async compactStats(): Promise<number> {
    const lock = await this.db.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_xact_lock(hashtextextended('webhook-log-stats-compaction', 0)) AS ok`,
    );
    if (!lock[0]?.ok) return 0;
    const rows = await this.db.query<{ n: number }>(
      `WITH moved AS (
         DELETE FROM webhook_log_stats_delta RETURNING organization_id, hour, event_type, event_source, status, n),
       daily AS (
         INSERT INTO webhook_log_stats_daily (organization_id, day, dim, value, n)
         SELECT m.organization_id, m.hour::date, v.dim, v.value, sum(m.n)
           FROM moved m, LATERAL (VALUES ('status', m.status), ('event_type', m.event_type), ('source', m.event_source)) AS v(dim, value)
          GROUP BY 1, 2, 3, 4
         ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_daily DO UPDATE SET n = webhook_log_stats_daily.n + EXCLUDED.n),
       hourly AS (
         INSERT INTO webhook_log_stats_hourly (organization_id, hour, status, n)
         SELECT organization_id, hour, status, sum(n) FROM moved GROUP BY 1, 2, 3
         ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_hourly DO UPDATE SET n = webhook_log_stats_hourly.n + EXCLUDED.n)
       SELECT count(*)::int AS n FROM moved`,
    );
    return rows[0]?.n ?? 0;
  }

  /** Logs per status over every organization visible: rollup plus pending deltas, no scan of webhook_log. */
  statusTotals(): Promise<{ status: string; n: number }[]> {
    return this.db.query<{ status: string; n: number }>(
      `SELECT status, sum(n)::bigint::float8 AS n FROM (
         SELECT value AS status, n FROM webhook_log_stats_total WHERE dim = 'status'
         UNION ALL
         SELECT status, n FROM webhook_log_stats_delta) x
       GROUP BY status`,
    );
  }

  /** Totals per dimension for one organization (or all visible): the totals table plus pending deltas. */
  rollupTotals(orgId: string | null): Promise<{ dim: string; value: string; n: number }[]> {
    return this.db.query<{ dim: string; value: string; n: number }>(
      `SELECT dim, value, sum(n)::int AS n FROM (
         SELECT dim, value, n FROM webhook_log_stats_total WHERE $1::uuid IS NULL OR organization_id = $1
         UNION ALL
         SELECT v.dim, v.value, d.n FROM webhook_log_stats_delta d,
                LATERAL (VALUES ('status', d.status), ('event_type', d.event_type), ('source', d.event_source)) AS v(dim, value)
          WHERE $1::uuid IS NULL OR d.organization_id = $1) x
       GROUP BY dim, value HAVING sum(n) <> 0`,
      [orgId],
    );
  }

  /** Logs and failures per UTC hour or day from bucketFrom on: rollup plus pending deltas. */
  rollupBuckets(
    orgId: string | null,
    interval: 'hour' | 'day',
    bucketFrom: Date,
  ): Promise<{ bucket: Date; total: number; failed: number }[]> {
    const from = bucketFrom.toISOString();
    return interval === 'hour'
      ? this.db.query<{ bucket: Date; total: number; failed: number }>(
          `SELECT (hour AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
             SELECT hour, status, n FROM webhook_log_stats_hourly WHERE ($1::uuid IS NULL OR organization_id = $1) AND hour >= ($2::timestamptz AT TIME ZONE 'UTC')
             UNION ALL
             SELECT hour, status, n FROM webhook_log_stats_delta WHERE ($1::uuid IS NULL OR organization_id = $1) AND hour >= date_trunc('hour', $2::timestamptz AT TIME ZONE 'UTC')) x
           GROUP BY hour HAVING sum(n) <> 0 ORDER BY hour`,
          [orgId, from],
        )
      : this.db.query<{ bucket: Date; total: number; failed: number }>(
          `SELECT (day::timestamp AT TIME ZONE 'UTC') AS bucket, sum(n)::int AS total, (sum(n) FILTER (WHERE status = 'failed'))::int AS failed FROM (
             SELECT day, value AS status, n FROM webhook_log_stats_daily
              WHERE dim = 'status' AND ($1::uuid IS NULL OR organization_id = $1) AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
             UNION ALL
             SELECT hour::date, status, n FROM webhook_log_stats_delta
              WHERE ($1::uuid IS NULL OR organization_id = $1) AND hour::date >= ($2::timestamptz AT TIME ZONE 'UTC')::date) x
           GROUP BY day HAVING sum(n) <> 0 ORDER BY day`,
          [orgId, from],
        );
  }

  // ---- readings for /metrics ----

  /** How long the oldest due pending log has waited, in seconds (one entry of the partial due index). */
  async oldestDuePendingSeconds(): Promise<number> {
    const rows = await this.db.query<{ lag: number | null }>(
      `SELECT extract(epoch FROM now() - min(next_attempt_at))::float8 AS lag
         FROM webhook_log WHERE status = 'pending' AND next_attempt_at <= now()`,
    );
    return Math.max(0, rows[0]?.lag ?? 0);
  }

  /** Queued retries, counted up to cap. */
  async retryQueueDepth(cap: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log_retry LIMIT $1) q`, [cap]);
    return rows[0]?.n ?? 0;
  }
}
