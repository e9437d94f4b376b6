import { Injectable, Logger } from '@nestjs/common';
import { Transform as Json2CsvTransform } from '@json2csv/node';
import { FastifyReply } from 'fastify';
import QueryStream from 'pg-query-stream';
import { Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { Caller, orgScope } from '../auth/roles';
import { Db } from '../database/db.service';
import { contextOf, RlsContext } from '../database/rls-context';
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

/**
 * Gathers the row-sized pieces json2csv and the JSON writer emit into chunks of about 64 KB, so
 * the socket gets one write per chunk instead of one per row (a million rows were a million
 * writes). Stays flat in memory: one chunk at a time, and backpressure passes through.
 */
class ChunkBatcher extends Transform {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly target = 64 * 1024) {
    super();
  }
  override _transform(chunk: Buffer, _: BufferEncoding, done: TransformCallback): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.target) return done(null, this.drainParts());
    done();
  }
  override _flush(done: TransformCallback): void {
    done(null, this.size ? this.drainParts() : undefined);
  }
  private drainParts(): Buffer {
    const out = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return out;
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

  async export(q: ExportWebhookLogsQueryDto, caller: Caller, reply: FastifyReply): Promise<void> {
    const f = logFilterSql(q, orgScope(caller, q.organization_id), 1);
    // Timestamps leave PostgreSQL as ISO text (the format JSON.stringify gives a Date): parsing a
    // million of them into Date objects and back was a large share of the export's CPU.
    const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${c}`;
    const columns =
      q.format === 'csv'
        ? CSV_FIELDS.map((c) => (c === 'created_at' ? iso(c) : c)).join(', ')
        : `id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name, contact_email,
           error_message, retry_count, attempts, ${iso('last_retry_at')}, ${iso('processed_at')}, ${iso('created_at')}`;
    // Qualified: a bare created_at here would sort by the text column of the same name.
    const sql = `SELECT ${columns} FROM webhook_log WHERE ${f.sql} ORDER BY webhook_log.created_at DESC, webhook_log.id DESC`;
    // Counts the rows that left, also when the client goes away half-way.
    const rowsOut = q.format === 'csv' ? new CsvRowTransform() : new JsonArrayTransform();
    try {
      await this.stream(sql, f.params, q.format, contextOf(caller), reply, rowsOut);
    } catch (err) {
      // A client that went away is not an error of ours: the cursor is closed, the transaction
      // rolled back and the connection released by then.
      if (reply.raw.destroyed && !reply.raw.writableFinished) {
        this.logger.warn(`export (${q.format}) by ${caller.role} ${caller.userId}: client disconnected after ${rowsOut.rows} rows`);
        return;
      }
      throw err;
    }
    this.logger.log(`export (${q.format}) by ${caller.role} ${caller.userId}: ${rowsOut.rows} rows`);
  }

  private async stream(
    sql: string,
    params: unknown[],
    format: 'csv' | 'json',
    ctx: RlsContext,
    reply: FastifyReply,
    rowsOut: CsvRowTransform | JsonArrayTransform,
  ): Promise<void> {
    await this.db.withConnection(ctx, async (client) => {
      // Stream in index order rather than sorting the whole result first: the first bytes leave at
      // once and memory stays flat. Transaction-local, like the RLS context.
      await client.query('SET LOCAL enable_sort TO off');
      const cursor = (client as unknown as { query(q: QueryStream): QueryStream }).query(new QueryStream(sql, params, { batchSize: 1000 }));
      // Written straight to the socket: Fastify steps aside, and the headers its hooks set (helmet,
      // request id) are carried over.
      reply.hijack();
      const res = reply.raw;
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
      res.statusCode = 200;
      res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename=webhook_logs_${stamp()}.${format}`);
      res.setHeader('Cache-Control', 'no-store');
      if (format === 'csv') {
        await pipeline(cursor, rowsOut, new Json2CsvTransform({ fields: [...CSV_FIELDS], eol: '\n' }, {}, { objectMode: true }), new ChunkBatcher(), res);
      } else {
        await pipeline(cursor, rowsOut, new ChunkBatcher(), res);
      }
    });
  }
}
