import { ServerResponse } from 'http';
import type Cursor from 'pg-cursor';
import { AppError } from './app-error';

/** The client went away (or stopped reading) while an answer was being streamed to it. */
export class ClientGoneError extends Error {}

/**
 * Resolves once the socket can take more; rejects if the client went away, or stopped reading for
 * stallMs: a client that never reads would otherwise hold its pooled connection forever.
 */
export function writable(res: ServerResponse, stallMs: number): Promise<void> {
  if (res.destroyed) return Promise.reject(new ClientGoneError());
  if (!res.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new ClientGoneError());
    const timer = setTimeout(() => {
      res.destroy();
      done(new ClientGoneError(`the client read nothing for ${stallMs} ms`));
    }, stallMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * How many streamed answers (exports, subject-access requests), or other reads that cost a scan,
 * run at once, in all and per key
 * (an organization, or a platform caller): each holds a pooled connection as long as its client
 * reads, so beyond the limits the answer is a 429 with Retry-After, lest a few slow downloads leave
 * no connection for anything else.
 */
export class StreamLimiter {
  private running = 0;
  private readonly runningPer = new Map<string, number>();

  constructor(
    private readonly maxRunning: number,
    private readonly maxPerKey: number,
    /** What runs, for the 429's message ("exports"). */
    private readonly what = 'exports',
    /** Retry-After of the 429, seconds. */
    private readonly retryAfterSeconds = 10,
  ) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const mine = this.runningPer.get(key) ?? 0;
    if (mine >= this.maxPerKey) {
      throw AppError.tooManyRequests(
        `${mine} ${this.what} of yours are still running; try again when one has finished`,
        this.retryAfterSeconds,
      );
    }
    if (this.running >= this.maxRunning)
      throw AppError.tooManyRequests(`too many ${this.what} are running; try again shortly`, this.retryAfterSeconds);
    this.running++;
    this.runningPer.set(key, mine + 1);
    try {
      return await work();
    } finally {
      this.running--;
      const left = (this.runningPer.get(key) ?? 1) - 1;
      if (left > 0) this.runningPer.set(key, left);
      else this.runningPer.delete(key);
    }
  }
}

/** How streamRows turns rows into the answer's text. */
export interface RowsFormat<T> {
  /** Response headers besides the status (Content-Type, Content-Disposition, ...). */
  headers: Record<string, string>;
  /** Text before the first row. */
  start?: string;
  batch(rows: T[]): string;
  /** Text after the last row. */
  end(): string;
}

/**
 * Streams a cursor's rows as the answer, a batch at a time. The first batch is read before anything
 * is sent, so a query PostgreSQL refuses is still an ordinary error answer, not a cut connection.
 * One batch of rows, one write, straight to the socket after the headers the middleware set: no
 * per-row stream machinery between the cursor and the socket. Backpressure: a batch is written only
 * once the socket has taken the one before, and only one more is read meanwhile, so at most two
 * batches are in memory; a client that reads nothing for stallMs is ended. The cursor is closed on
 * any failure; a ClientGoneError is rethrown for the caller (a client that left is not an error of
 * ours), any other error cuts the connection (the headers are gone) and is rethrown.
 */
export async function streamRows<T>(
  cursor: Cursor<T>,
  res: ServerResponse,
  batchRows: number,
  stallMs: number,
  format: RowsFormat<T>,
): Promise<void> {
  let next: Promise<T[]> = cursor.read(batchRows);
  try {
    await next;
  } catch (err) {
    await cursor.close().catch(() => undefined);
    throw err;
  }
  res.statusCode = 200;
  for (const [name, value] of Object.entries(format.headers)) res.setHeader(name, value);
  try {
    if (format.start) res.write(format.start);
    for (;;) {
      const rows = await next;
      if (rows.length === 0) break;
      // The next batch is on its way while this one is formatted and written.
      next = cursor.read(batchRows);
      const text = format.batch(rows);
      await writable(res, stallMs);
      res.write(text);
    }
    await writable(res, stallMs);
    res.end(format.end());
  } catch (err) {
    // The batch read ahead may still be on its way: its outcome no longer matters.
    next?.catch(() => undefined);
    await cursor.close().catch(() => undefined);
    if (!(err instanceof ClientGoneError)) res.destroy(err as Error);
    throw err;
  }
}
