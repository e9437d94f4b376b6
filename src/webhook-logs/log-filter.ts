import { isBareDate, parseCalendarDateTime } from '../common/date-time';
import { containsPattern } from '../common/paging';
import { CUSTOM_LABEL, resolveEventType } from '../webhooks/event-types';
import { WebhookLogFilterDto } from './dto/log-filter.dto';

/**
 * The list filter's values (unset filters are null), as the repositories' fixed filter text
 * (webhook-log.sql.ts) binds them. No input ever becomes part of SQL text.
 */
export interface LogFilterValues {
  eventType: string | null;
  source: string | null;
  status: string | null;
  campaignId: string | null;
  organizationId: string | null;
  from: Date | null;
  to: Date | null;
  /** A contains pattern for the search text. */
  search: string | null;
  contactEmail: string | null;
  /** The ids that answered a search already (its matches). */
  searchIds: string[] | null;
}

export function logFilterValues(f: WebhookLogFilterDto, orgId: string | null, searchIds: string[] | null = null): LogFilterValues {
  let eventType: string | null = null;
  if (f.event_type) {
    const r = resolveEventType(f.event_type);
    eventType = r.canonical === CUSTOM_LABEL && f.event_type !== CUSTOM_LABEL ? f.event_type : r.canonical;
  }
  return {
    eventType,
    source: f.event_source ?? null,
    status: f.status ?? null,
    campaignId: f.campaign_id ?? null,
    organizationId: orgId,
    from: f.date_from ? parseCalendarDateTime(f.date_from) : null,
    to: f.date_to ? exclusiveUpperBound(f.date_to) : null,
    // With searchIds the search has already been answered (its matches): match the ids.
    search: f.search && !searchIds ? containsPattern(f.search) : null,
    // Stored lower-case at receipt; comparing the bare column keeps the qual leakproof, so the
    // index can be used under RLS (lower(column) would not be).
    contactEmail: f.contact_email ? f.contact_email.trim().toLowerCase() : null,
    searchIds,
  };
}

/** Whether no filter is set. */
export function noFilter(v: LogFilterValues): boolean {
  return Object.values(v).every((x) => x === null);
}

/** True when f narrows beyond the organization (which the stats rollup is keyed by). */
export function filtersBeyondOrganization(f: WebhookLogFilterDto): boolean {
  return !noFilter(logFilterValues(f, null));
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
): Promise<LogFilterValues> {
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
