import { QueryFailedError } from 'typeorm';

/** SQL pieces the webhook log's repositories share. */

/** The substring search runs over these three columns at once (the trigram index's expression). */
export const SEARCH_EXPR = `(coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, ''))`;

/**
 * The list filter as one fixed SQL text with positional parameters from $start on, in the order of
 * logFilterValues(). Unset filters are NULL and folded away when PostgreSQL plans the statement
 * with its parameters.
 */
export function filterSql(start: number): string {
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

/** A timestamptz as exact UTC ISO text (microseconds), or null. */
export const iso8601 = (c: string) => `to_char((${c}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** created_at as exact UTC text, selected next to each row for its cursor. */
export const CURSOR_TS_EXPR = iso8601('created_at');

/** A statement PostgreSQL cancelled at its statement_timeout. */
export function isStatementTimeout(err: unknown): boolean {
  const driver = err instanceof QueryFailedError ? (err.driverError as { code?: string }) : (err as { code?: string });
  return driver?.code === '57014';
}

/** A half-open range of created_at, as exact ISO text; null bounds are open. */
export interface TimeRange {
  from: string | null;
  to: string | null;
}
