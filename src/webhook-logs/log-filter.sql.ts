import { containsPattern } from '../common/paging';
import { CUSTOM_LABEL, resolveEventType } from '../webhooks/event-types';
import { WebhookLogFilterDto } from './dto/log-filter.dto';

/** The substring search runs over these three columns at once. */
export const SEARCH_EXPR = `(coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, ''))`;

/**
 * The list filter as one fixed SQL text with positional parameters from $start on: no input is
 * ever part of the SQL text. Unset filters are NULL and folded away when PostgreSQL plans the
 * statement with its parameters.
 */
export function logFilterSql(
  f: WebhookLogFilterDto,
  orgId: string | null,
  start = 1,
  searchIds: string[] | null = null,
): { sql: string; params: unknown[] } {
  const p = (i: number) => `$${start + i}`;
  let eventType: string | null = null;
  if (f.event_type) {
    const r = resolveEventType(f.event_type);
    eventType = r.canonical === CUSTOM_LABEL && f.event_type !== CUSTOM_LABEL ? f.event_type : r.canonical;
  }
  const sql = `(${p(0)}::text IS NULL OR event_type = ${p(0)})
    AND (${p(1)}::text IS NULL OR event_source = ${p(1)})
    AND (${p(2)}::text IS NULL OR status = ${p(2)})
    AND (${p(3)}::uuid IS NULL OR campaign_id = ${p(3)})
    AND (${p(4)}::uuid IS NULL OR organization_id = ${p(4)})
    AND (${p(5)}::timestamptz IS NULL OR created_at >= ${p(5)})
    AND (${p(6)}::timestamptz IS NULL OR created_at < ${p(6)})
    AND (${p(7)}::text IS NULL OR ${SEARCH_EXPR} ILIKE ${p(7)} ESCAPE '\\')
    AND (${p(8)}::text IS NULL OR contact_email = ${p(8)})
    AND (${p(9)}::uuid[] IS NULL OR id = ANY(${p(9)}))`;
  return {
    sql,
    params: [
      eventType,
      f.event_source ?? null,
      f.status ?? null,
      f.campaign_id ?? null,
      orgId,
      f.date_from ? new Date(f.date_from) : null,
      f.date_to ? exclusiveUpperBound(f.date_to) : null,
      // With searchIds the search has already been answered (SEARCH_CANDIDATES_SQL): match the ids.
      f.search && !searchIds ? containsPattern(f.search) : null,
      // Stored lower-case at receipt; comparing the bare column keeps the qual leakproof, so the
      // index can be used under RLS (lower(column) would not be).
      f.contact_email ? f.contact_email.trim().toLowerCase() : null,
      searchIds,
    ],
  };
}

/**
 * Up to this many ids answer a search through the trigram index (migration WebhookLogSearch); a
 * search matching more falls back to filtering rows by ILIKE, which finds its page quickly
 * because such matches are common.
 */
export const SEARCH_CANDIDATES = 1_000;

/**
 * pg_trgm builds trigrams from runs of letters and digits; a search without three of them in a
 * row gives the index nothing to look up, so such a search filters rows directly.
 */
export function searchUsesIndex(search: string): boolean {
  return /[\p{L}\p{N}]{3}/u.test(search);
}

export const SEARCH_CANDIDATES_SQL = `SELECT id FROM webhook_log_search_candidates($1, $2) AS id`;

/** A bare date means the whole day; a timestamp is inclusive to the millisecond. */
export function exclusiveUpperBound(value: string): Date {
  const d = new Date(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(d.getTime() + 86_400_000) : new Date(d.getTime() + 1);
}

export interface LogCursor {
  /** Microsecond precision text: a JavaScript Date would drop the microseconds and skip rows. */
  createdAt: string;
  id: string;
}

/** created_at as exact UTC text, selected next to each row for its cursor. */
export const CURSOR_TS_EXPR = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function encodeCursor(c: { cursor_ts: string; id: string }): string {
  return Buffer.from(`${c.cursor_ts}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): LogCursor | null {
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(text);
  if (!m || Number.isNaN(new Date(m[1]).getTime())) return null;
  return { createdAt: m[1], id: m[2] };
}
