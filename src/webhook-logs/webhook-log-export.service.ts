import { Inject, Injectable, Logger } from '@nestjs/common';
import { StreamParser } from '@json2csv/plainjs';
import type { Response } from 'express';
import { Caller, orgScope } from '../auth/roles';
import { ClientGoneError, streamRows } from '../common/response-stream';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { ExportWebhookLogsQueryDto } from './dto/log-filter.dto';
import { filterValuesWithMatches, LogFilterValues } from './log-filter';
import { ExportLimiter, streamKey } from './export-limiter';
import { WebhookLogExportRepository } from './webhook-log-export.repository';
import { WebhookLogRepository } from './webhook-log.repository';

export const CSV_FIELDS = [
  'id',
  'event_type',
  'event_source',
  'campaign_name',
  'contact_email',
  'status',
  'error_message',
  'created_at',
] as const;

/**
 * A cell that starts with = + - @ (or a tab or carriage return) is read as a formula by
 * spreadsheet programs; a leading apostrophe makes it plain text (OWASP "CSV injection").
 */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Rows read from the cursor per round trip; one chunk of output (~35 KB of CSV) is written per
 * batch. Measured on 520k rows: 1,000 per batch kept two batches' objects alive long enough to be
 * promoted (peak RSS +40 MB); 250 keeps the peak within a few MB of the idle service.
 */
const BATCH_ROWS = 250;

/** A CSV row with every cell as text: '' for null, formulas neutralised. */
function csvCells(row: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of CSV_FIELDS) {
    const v = row[f];
    out[f] = v === null || v === undefined ? '' : neutralizeFormula(typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out;
}

/**
 * Rows in, text out, a batch at a time: CSV through json2csv's stream parser (header first, also
 * when there are no rows), JSON as an array written element by element.
 */
interface BatchWriter {
  rows: number;
  batch(rows: Record<string, unknown>[]): string;
  end(): string;
}

function csvWriter(): BatchWriter {
  const parser = new StreamParser({ fields: [...CSV_FIELDS], eol: '\n' }, { objectMode: true });
  let out: string[] = [];
  parser.onData = (text: string) => void out.push(text);
  parser.onError = (err: Error) => {
    throw err;
  };
  const take = () => {
    const text = out.join('');
    out = [];
    return text;
  };
  return {
    rows: 0,
    batch(rows) {
      this.rows += rows.length;
      for (const row of rows) parser.write(csvCells(row));
      return take();
    },
    end() {
      parser.end();
      return take();
    },
  };
}

function jsonWriter(): BatchWriter {
  return {
    rows: 0,
    batch(rows) {
      let text = '';
      for (const row of rows) text += (this.rows++ === 0 ? '[\n' : ',\n') + JSON.stringify(row);
      return text;
    },
    end() {
      return this.rows === 0 ? '[]\n' : '\n]\n';
    },
  };
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * Export streamed from a server-side cursor in the request's transaction, which carries the
 * caller's RLS context from the first row to the last: the handler returns only once the last row
 * is written. If the client goes away, the write loop stops, the cursor is closed, and the
 * interceptor rolls the transaction back and releases the connection.
 */
@Injectable()
export class WebhookLogExportService {
  private readonly logger = new Logger('WebhookLogExport');

  constructor(
    private readonly logs: WebhookLogRepository,
    private readonly exports: WebhookLogExportRepository,
    private readonly limiter: ExportLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {}

  /**
   * An export holds a connection as long as its client reads, so they are limited (429 beyond,
   * with Retry-After), lest a few slow downloads leave no connection for anything else.
   */
  async export(q: ExportWebhookLogsQueryDto, caller: Caller, res: Response): Promise<void> {
    await this.limiter.run(streamKey(caller), () => this.exportNow(q, caller, res));
  }

  private async exportNow(q: ExportWebhookLogsQueryDto, caller: Caller, res: Response): Promise<void> {
    const filter = await filterValuesWithMatches(q, orgScope(caller, q.organization_id), this.logs);
    // Counts the rows that left, also when the client goes away half-way.
    const rowsOut = q.format === 'csv' ? csvWriter() : jsonWriter();
    try {
      await this.stream(filter, q.format, res, rowsOut);
    } catch (err) {
      // A client that went away is not an error of ours: the cursor is closed, the transaction
      // rolled back and the connection released by then.
      if (res.destroyed && !res.writableFinished) {
        this.logger.warn(`export (${q.format}) by ${caller.role} ${caller.userId}: client disconnected after ${rowsOut.rows} rows`);
        return;
      }
      throw err;
    } finally {
      this.metrics.exportRows.inc({ format: q.format }, rowsOut.rows);
    }
    this.logger.log(`export (${q.format}) by ${caller.role} ${caller.userId}: ${rowsOut.rows} rows`);
  }

  private async stream(filter: LogFilterValues, format: 'csv' | 'json', res: Response, rowsOut: BatchWriter): Promise<void> {
    const cursor = await this.exports.exportCursor(filter, format);
    try {
      await streamRows(cursor, res, BATCH_ROWS, this.config.exportStallTimeoutMs, {
        headers: {
          'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
          'Content-Disposition': `attachment; filename=webhook_logs_${stamp()}.${format}`,
          'Cache-Control': 'no-store',
        },
        batch: (rows) => rowsOut.batch(rows),
        end: () => rowsOut.end(),
      });
    } catch (err) {
      if (err instanceof ClientGoneError && err.message) this.logger.warn(`export ended: ${err.message}`);
      throw err;
    }
  }
}
