import { isBareDate, parseCalendarDateTime } from '../common/date-time';
import { containsPattern } from '../common/paging';
import { CUSTOM_LABEL, resolveEventType } from '../webhooks/event-types';
import { WebhookLogFilterDto } from './dto/log-filter.dto';

/**
 * The list filter's values, in the order of the repository's fixed filter text (unset filters are
 * NULL): event type, source, status, campaign, organization, from, to, search pattern, contact
 * email, search ids. No input ever becomes part of SQL text.
 */
export function logFilterValues(f: WebhookLogFilterDto, orgId: string | null, searchIds: string[] | null = null): unknown[] {
  let eventType: string | null = null;
  if (f.event_type) {
    const r = resolveEventType(f.event_type);
    eventType = r.canonical === CUSTOM_LABEL && f.event_type !== CUSTOM_LABEL ? f.event_type : r.canonical;
  }
  return [
    eventType,
    f.event_source ?? null,
    f.status ?? null,
    f.campaign_id ?? null,
    orgId,
    f.date_from ? parseCalendarDateTime(f.date_from) : null,
    f.date_to ? exclusiveUpperBound(f.date_to) : null,
    // With searchIds the search has already been answered (its matches): match the ids.
    f.search && !searchIds ? containsPattern(f.search) : null,
    // Stored lower-case at receipt; comparing the bare column keeps the qual leakproof, so the
    // index can be used under RLS (lower(column) would not be).
    f.contact_email ? f.contact_email.trim().toLowerCase() : null,
    searchIds,
  ];
}

/** True when f narrows beyond the organization (which the stats rollup is keyed by). */
export function filtersBeyondOrganization(f: WebhookLogFilterDto): boolean {
  return logFilterValues(f, null).some((v) => v !== null);
}

/** A search with at most this many matches is answered from one read of them all (id and time), with or without other filters. */
export const SEARCH_EXACT = 5_000;

/**
 * The filter's values, a search answered by its matches' ids when there are at most SEARCH_EXACT
 * of them (searchMatchIds gives null when there are more): testing the pattern row by row read every
 * log the other filters left (2 s for a bulk retry of a status and a contact's logs at 10M rows).
 */
export async function filterValuesWithMatches(
  f: WebhookLogFilterDto,
  orgId: string | null,
  logs: { searchMatchIds(pattern: string, maxMatches: number): Promise<string[] | null> },
): Promise<unknown[]> {
  if (f.search && searchUsesIndex(f.search)) {
    const ids = await logs.searchMatchIds(containsPattern(f.search), SEARCH_EXACT);
    if (ids) return logFilterValues(f, orgId, ids);
  }
  return logFilterValues(f, orgId);
}

/**
 * pg_trgm builds trigrams from runs of letters and digits; a search without three of them in a
 * row gives the index nothing to look up, so such a search filters rows directly.
 */
export function searchUsesIndex(search: string): boolean {
  return /[\p{L}\p{N}]{3}/u.test(search);
}

/** A bare date means the whole day; a timestamp is inclusive to the millisecond. */
export function exclusiveUpperBound(value: string): Date {
  const d = parseCalendarDateTime(value);
  return new Date(d.getTime() + (isBareDate(value) ? 86_400_000 : 1));
}

export interface LogCursor {
  /** Microsecond precision text: a JavaScript Date would drop the microseconds and skip rows. */
  createdAt: string;
  id: string;
}

/**
 * A cursor is `<microseconds since 1970 of created_at>_<id>` (CURSOR_PATTERN): every string of that
 * form is a position a list can continue from, so the document's pattern is the whole rule.
 */
export function encodeCursor(c: { cursor_ts: string; id: string }): string {
  // cursor_ts: YYYY-MM-DDTHH:MM:SS.ffffffZ (microsecond precision text from PostgreSQL).
  const micros = BigInt(Date.parse(`${c.cursor_ts.slice(0, 19)}Z`)) * 1000n + BigInt(c.cursor_ts.slice(20, 26));
  return `${micros}_${c.id}`;
}

export function decodeCursor(raw: string): LogCursor | null {
  const m = /^(\d{1,16})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(raw);
  if (!m) return null;
  const micros = BigInt(m[1]);
  const seconds = new Date(Number(micros / 1000000n) * 1000).toISOString().slice(0, 19);
  return { createdAt: `${seconds}.${String(micros % 1000000n).padStart(6, '0')}Z`, id: m[2] };
}
