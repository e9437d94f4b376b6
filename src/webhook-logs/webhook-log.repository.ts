import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { LogCursor, LogFilterValues } from './log-filter';
import { WebhookLog } from './webhook-log.entity';
import type { WebhookSource } from '../webhooks/event-types';
import { CURSOR_TS_EXPR, filterSql, INDEX_ORDER, iso8601, SEARCH_EXPR, TimeRange } from './webhook-log.sql';

/** When a bulk retry by filter queued the log and no worker has taken it yet (else null). */
const RETRY_QUEUED_AT = sql`(SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at`;

const LOG_COLUMNS = sql`id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
  contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at`;
const LIST_COLUMNS = sql`${LOG_COLUMNS}, ${RETRY_QUEUED_AT}`;

/**
 * With a search, the matches come from the trigram index and are sorted afterwards; ordering by
 * the bare column would let the planner walk the created_at index newest-first and test every row
 * against the pattern, which for a rare match means most of the table. Same order, other plan.
 */
const SEARCH_ORDER = sql`created_at + interval '0' DESC, id DESC`;
const NEWEST_FIRST = sql`created_at DESC, id DESC`;

const INDEX_ORDER_RESET = sql`SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN ('enable_sort', 'jit')`;

/** Before the cursor (created_at, id), when there is one. */
const beforeCursor = (cursor: LogCursor | null) =>
  sql`(${cursor?.createdAt ?? null}::timestamptz IS NULL OR (created_at, id) < (${cursor?.createdAt ?? null}::timestamptz, ${cursor?.id ?? null}::uuid))`;

/** A log as the list reads it (LIST_COLUMNS), with its cursor's timestamp. */
export interface LogRow {
  id: string;
  organization_id: string | null;
  event_source: WebhookSource;
  event_type: string;
  raw_event_type: string | null;
  status: WebhookLog['status'];
  campaign_id: string | null;
  campaign_name: string | null;
  contact_email: string | null;
  error_message: string | null;
  retry_count: number;
  attempts: number;
  next_attempt_at: Date;
  last_retry_at: Date | null;
  processed_at: Date | null;
  created_at: Date;
  retry_queued_at: Date | null;
  cursor_ts: string;
}

/** One attempt in a log's history (attempt_history), as processing records it. */
export interface AttemptRow {
  attempt: number;
  at: string;
  outcome: string;
  message: string | null;
}

/** A log with everything stored of it, its organization's name and its queued retry. */
export interface LogDetailRow extends Omit<LogRow, 'cursor_ts'> {
  dedup_key: string;
  payload: Record<string, unknown>;
  workspace_id: string | null;
  instantly_campaign_id: string | null;
  credential_org_id: string | null;
  attempt_history: AttemptRow[];
  locked_until: Date | null;
  organization_name: string | null;
}

/**
 * webhook_log as the list, the search and the detail read it, as the caller's RLS
 * context lets them see it. `filter` arguments are logFilterValues().
 */
@Injectable()
export class WebhookLogRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(WebhookLog) private readonly logRows: Repository<WebhookLog>,
  ) {}

  /** Ids of every log of the caller's whose search text contains pattern (webhook_log_search_matches), or null when there are more than maxMatches. */
  async searchMatchIds(pattern: string, maxMatches: number): Promise<string[] | null> {
    const [row] = await this.db.query<{ ids: string[] }>(sql`SELECT ids FROM webhook_log_search_matches(${pattern}, ${maxMatches})`);
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
      sql`SELECT ids, matches, ${iso8601(sql`oldest`)} AS oldest, ${iso8601(sql`newest`)} AS newest
            FROM webhook_log_search_page(${pattern}, ${maxMatches}, ${countCap}, ${cursor?.createdAt ?? null}, ${cursor?.id ?? null}, ${skip}, ${take})`,
    );
    return { ids: row?.ids ?? [], matches: row?.matches ?? 0, within: { from: row?.oldest ?? null, to: row?.newest ?? null } };
  }

  /** The newest maxRows of the caller's logs whose search text contains pattern, before the cursor, read month by month, newest first (webhook_log_search_newest). */
  async searchNewest(pattern: string, maxRows: number, cursor: LogCursor | null): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      sql`SELECT id FROM webhook_log_search_newest(${pattern}, ${maxRows}, ${cursor?.createdAt ?? null}, ${cursor?.id ?? null}) AS id`,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Newest first, from the cursor (or offset), limit rows. bySearchOrder for trigram candidates;
   * walkIndex for a common search (read the newest rows in index order and filter them: under RLS
   * the planner cannot see how common a pattern is and would sort every match).
   */
  async page(
    filter: LogFilterValues,
    cursor: LogCursor | null,
    limit: number,
    offset: number,
    opts: { bySearchOrder: boolean; walkIndex: boolean },
  ): Promise<LogRow[]> {
    if (opts.walkIndex) await this.db.query(INDEX_ORDER);
    const rows = await this.db.query<LogRow>(
      sql`SELECT ${LIST_COLUMNS}, ${CURSOR_TS_EXPR} AS cursor_ts FROM webhook_log
           WHERE ${filterSql(filter)} AND ${beforeCursor(cursor)}
           ORDER BY ${opts.bySearchOrder ? SEARCH_ORDER : NEWEST_FIRST}
           LIMIT ${limit} OFFSET ${offset}`,
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
    filter: LogFilterValues,
    pattern: string,
    maxMatches: number,
    cursor: LogCursor | null,
    limit: number,
    offset: number,
  ): Promise<{ found: number; total: number; rows: LogRow[] }> {
    const rows = await this.db.query<LogRow & { found: number; total: number }>(
      sql`WITH m AS MATERIALIZED (SELECT ids, tss FROM webhook_log_search_matches(${pattern}, ${maxMatches})),
          hits AS (
            SELECT ${LOG_COLUMNS} FROM webhook_log
             WHERE ${filterSql(filter)} AND (id, created_at) IN (SELECT * FROM unnest((SELECT ids FROM m), (SELECT tss FROM m)))),
          page AS (
            SELECT ${LIST_COLUMNS}, ${CURSOR_TS_EXPR} AS cursor_ts FROM hits webhook_log
             WHERE ${beforeCursor(cursor)}
             ORDER BY created_at DESC, id DESC
             LIMIT ${limit} OFFSET ${offset})
          SELECT (SELECT cardinality(ids) FROM m)::int AS found, (SELECT count(*) FROM hits)::int AS total, page.*
            FROM (VALUES (1)) one LEFT JOIN page ON true`,
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
  async pageInWindow(filter: LogFilterValues, cursor: LogCursor | null, limit: number, offset: number, window: number): Promise<LogRow[]> {
    return this.db.query<LogRow>(
      sql`SELECT ${LIST_COLUMNS}, ${CURSOR_TS_EXPR} AS cursor_ts FROM (
            SELECT * FROM webhook_log
             WHERE ${filterSql({ ...filter, search: null })} AND ${beforeCursor(cursor)}
             ORDER BY created_at DESC, id DESC LIMIT ${window}) webhook_log
           WHERE ${SEARCH_EXPR} ILIKE ${filter.search} ESCAPE '\\'
           ORDER BY created_at DESC, id DESC
           LIMIT ${limit} OFFSET ${offset}`,
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
  async countUpTo(filter: LogFilterValues, cap: number): Promise<number> {
    // With a (common) search pattern as well, the planner cannot see how common it is under RLS
    // and chose to read every partition and sort (2.2 s at 10M rows for a status and a pattern in
    // a tenth of the logs); in index order the count stops at cap + 1 (a few thousand rows).
    // Each a single statement (set_config): it may be the first of its transaction, which carries the RLS context.
    await this.db.query(
      filter.search !== null
        ? sql`SELECT set_config('enable_bitmapscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true),
                     set_config('jit', 'off', true), set_config('enable_sort', 'off', true)`
        : sql`SELECT set_config('enable_bitmapscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true),
                     set_config('jit', 'off', true)`,
    );
    const rows = await this.db.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log WHERE ${filterSql(filter)} ORDER BY created_at DESC, id DESC LIMIT ${cap + 1}) s`,
    );
    await this.db.query(
      sql`SELECT set_config(name, reset_val, true) FROM pg_settings
           WHERE name IN ('enable_bitmapscan', 'max_parallel_workers_per_gather', 'enable_sort', 'jit')`,
    );
    return rows[0]?.n ?? 0;
  }

  async detail(id: string): Promise<LogDetailRow | undefined> {
    const rows = await this.db.query<LogDetailRow>(sql`SELECT webhook_log.*, o.name AS organization_name, ${RETRY_QUEUED_AT}
         FROM webhook_log LEFT JOIN organization o ON o.id = webhook_log.organization_id WHERE webhook_log.id = ${id}`);
    return rows[0];
  }

  async statusOf(id: string): Promise<WebhookLog['status'] | undefined> {
    const log = await (await this.db.inTx(this.logRows)).findOne({ select: { status: true }, where: { id } });
    return log?.status;
  }

  /** The rest of the request's transaction: each statement may take at most `ms` (57014 beyond: isStatementTimeout). */
  async limitStatementTime(ms: number): Promise<void> {
    await this.db.query(sql`SELECT set_config('statement_timeout', ${`${ms}ms`}, true)`);
  }
}
