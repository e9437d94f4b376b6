import { ServerResponse } from 'http';
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
 * How many streamed answers (exports, subject-access requests) run at once, in all and per key
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
  ) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const mine = this.runningPer.get(key) ?? 0;
    if (mine >= this.maxPerKey) {
      throw AppError.tooManyRequests(`${mine} exports of yours are still running; try again when one has finished`, 10);
    }
    if (this.running >= this.maxRunning) throw AppError.tooManyRequests('too many exports are running; try again shortly', 10);
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
