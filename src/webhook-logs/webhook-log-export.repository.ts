import { Injectable } from '@nestjs/common';
import Cursor from 'pg-cursor';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { LogFilterValues } from './log-filter';
import { filterSql, INDEX_ORDER } from './webhook-log.sql';

/** Timestamps leave PostgreSQL as ISO text (what JSON.stringify gives a Date): a million Dates parsed and printed again cost the export most of its CPU. */
const EXPORT_COLUMNS = {
  csv: sql`id, event_type, event_source, campaign_name, contact_email, status, error_message,
           to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`,
  json: sql`id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name, contact_email,
            error_message, retry_count, attempts,
            to_char(last_retry_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_retry_at,
            to_char(processed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS processed_at,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`,
} as const;

/** webhook_log as the export streams it, as the caller's RLS context lets it see it. */
@Injectable()
export class WebhookLogExportRepository {
  constructor(private readonly db: Db) {}

  /**
   * A server-side cursor over the matching logs, newest first, in the current transaction. The
   * rows come in index order rather than sorted first: the first bytes leave at once and memory
   * stays flat (INDEX_ORDER for the rest of the transaction).
   */
  async exportCursor(filter: LogFilterValues, format: 'csv' | 'json'): Promise<Cursor<Record<string, unknown>>> {
    // A search answered by its matches' ids (at most SEARCH_EXACT rows) is sorted: walking the
    // index in order would test every log against the ids.
    if (filter.searchIds === null) await this.db.query(INDEX_ORDER);
    // A cursor's fetches are one statement to statement_timeout (no Sync until it closes): the
    // 30 s default ended a 10M-row export after 6M rows. A slow client is ended by the stall
    // timeout instead; an hour bounds how long one export may hold its snapshot.
    await this.db.query(sql`SET LOCAL statement_timeout TO '1h'`);
    // Qualified: a bare created_at here would sort by the text column of the same name.
    return this.db.cursor<Record<string, unknown>>(
      sql`SELECT ${EXPORT_COLUMNS[format]} FROM webhook_log WHERE ${filterSql(filter)} ORDER BY webhook_log.created_at DESC, webhook_log.id DESC`,
    );
  }
}
