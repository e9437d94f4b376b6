import { Injectable, Logger } from '@nestjs/common';
import { Transform as Json2CsvTransform } from '@json2csv/node';
import { Response } from 'express';
import QueryStream from 'pg-query-stream';
import { Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { Caller, orgScope } from '../auth/roles';
import { Db } from '../database/db.service';
import { contextOf } from '../database/rls-context';
import { ExportWebhookLogsQueryDto } from './dto/log-filter.dto';
import { logFilterSql } from './log-filter.sql';

export const CSV_FIELDS = ['id', 'event_type', 'event_source', 'campaign_name', 'contact_email', 'status', 'error_message', 'created_at'] as const;

/**
 * A cell that starts with = + - @ (or a tab or carriage return) is read as a formula by
 * spreadsheet programs; a leading apostrophe makes it plain text (OWASP "CSV injection").
 */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

class CsvRowTransform extends Transform {
  rows = 0;
  constructor() {
    super({ objectMode: true });
  }
  override _transform(row: Record<string, unknown>, _: BufferEncoding, done: TransformCallback): void {
    this.rows++;
    const out: Record<string, string> = {};
    for (const f of CSV_FIELDS) {
      const v = row[f];
      out[f] = v === null || v === undefined ? '' : neutralizeFormula(v instanceof Date ? v.toISOString() : String(v));
    }
    done(null, out);
  }
}

/** A JSON array written element by element, so memory stays flat whatever the row count. */
class JsonArrayTransform extends Transform {
  private first = true;
  rows = 0;
  constructor() {
    super({ writableObjectMode: true, readableObjectMode: false });
  }
  override _transform(row: Record<string, unknown>, _: BufferEncoding, done: TransformCallback): void {
    this.rows++;
    const chunk = (this.first ? '[\n' : ',\n') + JSON.stringify(row);
    this.first = false;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    done(null, this.first ? '[]\n' : '\n]\n');
  }
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * Export streamed from a server-side cursor on a connection of its own, in a transaction that
 * carries the caller's RLS context from the first row to the last. The response is written after
 * the handler returned, so the request transaction cannot be used. If the client goes away, the
 * pipeline fails, the cursor is closed, the transaction rolled back and the connection released.
 */
@Injectable()
export class WebhookLogExportService {
  private readonly logger = new Logger('WebhookLogExport');

  constructor(private readonly db: Db) {}

  async export(q: ExportWebhookLogsQueryDto, caller: Caller, res: Response): Promise<void> {
    const f = logFilterSql(q, orgScope(caller, q.organization_id), 1);
    const columns =
      q.format === 'csv'
        ? CSV_FIELDS.join(', ')
        : `id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name, contact_email,
           error_message, retry_count, attempts, last_retry_at, processed_at, created_at`;
    const sql = `SELECT ${columns} FROM webhook_log WHERE ${f.sql} ORDER BY created_at DESC, id DESC`;
    const ctx = contextOf(caller);
    let rows = 0;
    await this.db.withConnection(ctx, async (_runner, client) => {
      // Stream in index order rather than sorting the whole result first: the first bytes leave at
      // once and memory stays flat. Transaction-local, like the RLS context.
      await client.query('SET LOCAL enable_sort TO off');
      const cursor = (client as unknown as { query(q: QueryStream): QueryStream }).query(new QueryStream(sql, f.params, { batchSize: 1000 }));
      res.status(200);
      res.setHeader('Content-Type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename=webhook_logs_${stamp()}.${q.format}`);
      res.setHeader('Cache-Control', 'no-store');
      if (q.format === 'csv') {
        const rowsOut = new CsvRowTransform();
        await pipeline(cursor, rowsOut, new Json2CsvTransform({ fields: [...CSV_FIELDS], eol: '\n' }, {}, { objectMode: true }), res);
        rows = rowsOut.rows;
      } else {
        const json = new JsonArrayTransform();
        await pipeline(cursor, json, res);
        rows = json.rows;
      }
    });
    this.logger.log(`export (${q.format}) by ${caller.role} ${caller.userId}: ${rows} rows`);
  }
}
