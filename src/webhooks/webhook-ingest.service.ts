import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { EventColumns, WebhookEventRepository } from './webhook-event.repository';
import { FairTurns, fairTenant } from './fair-turns';
import { IncomingWebhook } from './webhook-payload';

export interface StoredWebhook {
  id: string;
  duplicate: boolean;
}

interface Pending {
  event: IncomingWebhook;
  resolve: (r: StoredWebhook) => void;
  reject: (e: unknown) => void;
}

type Listener = () => void;

/**
 * Group commit for webhook receipt. Requests that arrive while a flush is running wait for the
 * next one, and each flush is one multi-row INSERT ... ON CONFLICT DO NOTHING in its own
 * transaction; every request is answered only after the transaction holding its row committed.
 * Under light load a request flushes on the next tick alone (no added latency); under a burst the
 * batches grow instead of the number of round trips.
 */
@Injectable()
export class WebhookIngestService implements OnApplicationShutdown {
  private readonly logger = new Logger('WebhookIngest');
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch = 500;
  private readonly maxConcurrentFlushes: number;
  private readonly maxQueue: number;
  private readonly listeners: Listener[] = [];
  private stopping = false;
  /** Each tenant's turn for processing (WEBHOOK_FAIR_SHARE_PER_SECOND). */
  private readonly turns: FairTurns;

  constructor(
    private readonly db: Db,
    private readonly events: WebhookEventRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {
    this.maxQueue = config.webhookIngestQueueMax;
    this.turns = new FairTurns(config.webhookFairSharePerSecond);
    // Leave connections for admin requests and the workers.
    this.maxConcurrentFlushes = Math.max(1, Math.min(4, Math.floor(config.databasePoolSize / 2)));
  }

  /** Called after each committed flush so an in-process worker can pick new logs up at once. */
  onStored(listener: Listener): void {
    this.listeners.push(listener);
  }

  /**
   * Whether a new event would find room. The queue is bounded (WEBHOOK_INGEST_QUEUE_MAX): when the
   * database cannot keep up, senders get a 503 with Retry-After (Instantly retries) instead of the
   * process buffering bodies without end. Checked before the body is read, and again at store().
   */
  hasRoom(): boolean {
    return !this.stopping && this.queue.length < this.maxQueue;
  }

  store(event: IncomingWebhook): Promise<StoredWebhook> {
    if (this.stopping) return Promise.reject(AppError.unavailable('the service is shutting down; retry shortly', 5));
    if (this.queue.length >= this.maxQueue)
      return Promise.reject(AppError.unavailable('too many webhooks waiting to be stored; retry shortly', 5));
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxConcurrentFlushes) return;
    this.scheduled = true;
    // setImmediate lets the requests already parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length && this.inFlight < this.maxConcurrentFlushes) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      // flushOrSplit settles every waiter itself and never rejects.
      void this.flushOrSplit(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length) this.schedule();
      });
    }
  }

  /**
   * Flushes a batch; if PostgreSQL refuses it for its data (one event it cannot hold), the halves
   * are flushed on their own, down to the single event, so only that event is refused and every
   * other request of the batch is still stored: log2(batch) extra statements for one bad event.
   * A connection failure is not split: every event of the batch gets its error (a 503).
   */
  private async flushOrSplit(batch: Pending[]): Promise<void> {
    try {
      await this.flush(batch);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (batch.length > 1 && typeof code === 'string' && /^(22|23|54)/.test(code)) {
        const half = Math.ceil(batch.length / 2);
        await this.flushOrSplit(batch.slice(0, half));
        await this.flushOrSplit(batch.slice(half));
        return;
      }
      this.logger.warn(`${batch.length} webhook(s) could not be stored: ${(err as Error).message}`);
      for (const p of batch) p.reject(err);
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    // The same event twice in one batch is stored once; later copies get the first one's answer.
    const byKey = new Map<string, Pending[]>();
    for (const p of batch) {
      const key = `${p.event.source}\u0000${p.event.dedupKey}`;
      const list = byKey.get(key);
      if (list) list.push(p);
      else byKey.set(key, [p]);
    }
    const unique = [...byKey.values()].map((l) => l[0].event);
    const cols: EventColumns = {
      source: unique.map((e) => e.source),
      dedup: unique.map((e) => e.dedupKey),
      type: unique.map((e) => e.eventType),
      raw: unique.map((e) => e.rawEventType),
      payload: unique.map((e) => e.payloadJson),
      workspace: unique.map((e) => e.workspaceId),
      icampaign: unique.map((e) => e.instantlyCampaignId),
      cname: unique.map((e) => e.campaignName),
      email: unique.map((e) => e.contactEmail),
      org: unique.map((e) => e.credentialOrgId ?? null),
      turn: unique.map((e) => this.turns.delayMs(fairTenant(e))),
    };
    this.metrics.batchSize.observe(unique.length);
    const endTimer = this.metrics.batchDuration.startTimer();
    // The insert is its own transaction, committed at its Sync: one round trip, no COMMIT after it.
    const inserted = await this.db.runAs(SYSTEM_CONTEXT, () => this.events.insertLogs(cols), 'write');
    const found = new Map<string, StoredWebhook>();
    for (const r of inserted) found.set(`${r.event_source}\u0000${r.dedup_key}`, { id: r.id, duplicate: false });
    if (inserted.length < unique.length) {
      const missing = unique.filter((e) => !found.has(`${e.source}\u0000${e.dedupKey}`));
      // Conflicting keys were committed by earlier transactions, or by concurrent ones the insert
      // waited for: committed now, so visible to this read.
      const existing = await this.db.runAs(
        SYSTEM_CONTEXT,
        () =>
          this.events.findLogs(
            missing.map((e) => e.source),
            missing.map((e) => e.dedupKey),
          ),
        'read',
      );
      for (const r of existing) found.set(`${r.event_source}\u0000${r.dedup_key}`, { id: r.id, duplicate: true });
    }
    endTimer();
    for (const [key, waiters] of byKey) {
      const stored = found.get(key);
      waiters.forEach((p, i) => {
        if (!stored) p.reject(new Error('webhook row neither inserted nor found'));
        else p.resolve(i === 0 ? stored : { id: stored.id, duplicate: true });
      });
    }
    for (const l of this.listeners) l();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + 10000;
    while ((this.inFlight > 0 || this.queue.length > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
