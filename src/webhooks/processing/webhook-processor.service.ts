import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { Db } from '../../database/db.service';
import { SYSTEM_CONTEXT } from '../../database/rls-context';
import { APP_METRICS, AppMetrics } from '../../observability/app-metrics';
import { ClaimedLog, WebhookEventRepository } from '../webhook-event.repository';
import { WebhookIngestService } from '../webhook-ingest.service';
import { HandlerOutcome, InstantlyEventHandler, UnroutableEventError } from './instantly-event.handler';

export type NewContactHook = (contact: NonNullable<HandlerOutcome['newContact']>) => Promise<void>;

class LeaseLostError extends Error {}

/**
 * Workers that turn pending logs into CRM changes. Claims are short transactions with
 * FOR UPDATE SKIP LOCKED, so several workers and several instances share the table without
 * taking the same log; each log is then handled in its own transaction that first re-locks the
 * row and checks it still holds the lease (attempts), so a log reclaimed after a crash is
 * processed by exactly one of them.
 */
/** How often a worker looks whether another tenant's earlier turn is waiting behind its batch. */
const TURN_CHECK_MS = 200;

/**
 * In order of turn, then of arrival: a tenant's turns follow its arrival order, so a lead's later
 * status still wins over an earlier one, and another tenant's event claimed in the same batch is not
 * handled after a flood's events that arrived before it but whose turns come after it.
 */
const byTurn = (x: ClaimedLog, y: ClaimedLog) =>
  x.next_attempt_at.getTime() - y.next_attempt_at.getTime() || x.created_at.getTime() - y.created_at.getTime() || (x.id < y.id ? -1 : 1);

@Injectable()
export class WebhookProcessorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookProcessor');
  private running = false;
  private loops: Promise<void>[] = [];
  private wakers: (() => void)[] = [];
  private newContactHook: NewContactHook | null = null;

  constructor(
    private readonly db: Db,
    private readonly events: WebhookEventRepository,
    private readonly handler: InstantlyEventHandler,
    private readonly ingest: WebhookIngestService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {}

  setNewContactHook(hook: NewContactHook): void {
    this.newContactHook = hook;
  }

  onApplicationBootstrap(): void {
    if (this.config.webhookWorkers <= 0) return;
    this.running = true;
    this.ingest.onStored(() => this.wake());
    for (let i = 0; i < this.config.webhookWorkers; i++) this.loops.push(this.workerLoop(i));
    this.logger.log(`${this.config.webhookWorkers} webhook worker(s) started`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.allSettled(this.loops);
  }

  private wake(): void {
    const w = this.wakers.splice(0);
    for (const f of w) f();
  }

  private async workerLoop(index: number): Promise<void> {
    let idleMs = 100;
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.processBatch();
      } catch (err) {
        this.logger.warn(`worker ${index}: ${(err as Error).message}`);
        idleMs = 2000;
      }
      if (handled > 0) {
        idleMs = 100;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      idleMs = Math.min(idleMs * 2, 1000);
    }
  }

  /**
   * Claims one batch and handles it; returns how many logs were handled. A batch is claimed at once
   * (one statement), but another tenant's event must not wait for all of it: every TURN_CHECK_MS
   * the worker also claims the due logs whose turn comes before its next log's (FairTurns) and
   * handles them first. With nothing earlier waiting that is one indexed look-up per TURN_CHECK_MS.
   */
  async processBatch(limit = this.config.webhookBatchSize): Promise<number> {
    const claimed = await this.claimPendingLogs(limit);
    claimed.sort(byTurn);
    let handled = 0;
    let checkedAt = Date.now();
    for (let i = 0; i < claimed.length; i++) {
      if (Date.now() - checkedAt >= TURN_CHECK_MS) {
        checkedAt = Date.now();
        handled += await this.takeEarlierTurns(claimed[i]);
      }
      await this.processLog(claimed[i]);
      handled++;
    }
    return handled;
  }

  /** Claims and handles the due logs whose turn comes before next's (at most a tenth of a batch). */
  private async takeEarlierTurns(next: ClaimedLog): Promise<number> {
    const limit = Math.max(1, Math.ceil(this.config.webhookBatchSize / 10));
    const earlier = await this.db.runAs(SYSTEM_CONTEXT, () =>
      this.events.claimBefore(next.next_attempt_at, limit, this.config.webhookLeaseSeconds),
    );
    earlier.sort(byTurn);
    for (const log of earlier) await this.processLog(log);
    this.metrics.turnsTakenEarly.inc(earlier.length);
    return earlier.length;
  }

  /** Processes until nothing is due; for tests, benchmarks and operators. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.processBatch();
      // A batch can take only queue entries that no longer apply (none claimed): go on while any are left.
      if (n === 0 && !(await this.db.runAs(SYSTEM_CONTEXT, () => this.events.hasQueuedRetries()))) return total;
      total += n;
    }
  }

  /**
   * Claims up to `limit` due logs, up to `limit` whose lease ran out, and up to `limit` queued by a
   * bulk retry (migration WebhookLogRetryQueue): a queued log is taken off the queue and claimed in
   * the same statement, if it is still failed or skipped (or processed, when queued with force);
   * otherwise (retried one by one meanwhile, or deleted) its entry is simply dropped.
   */
  async claimPendingLogs(limit: number): Promise<ClaimedLog[]> {
    return this.db.runAs(SYSTEM_CONTEXT, () => this.events.claim(limit, this.config.webhookLeaseSeconds));
  }

  async processLog(log: ClaimedLog): Promise<void> {
    const endTimer = this.metrics.processingDuration.startTimer({ event_type: log.event_type });
    // For the metrics: processed, skipped, retry (failed, will run again), failed (for good).
    let result = 'error';
    try {
      result = await this.db.runAs(SYSTEM_CONTEXT, async () => {
        if (!(await this.events.holdLease(log.id, log.attempts, this.handler.subjectLock(log)))) throw new LeaseLostError();
        const outcome = await this.handler.handle(log);
        if (outcome.newContact && this.newContactHook) await this.newContactHook(outcome.newContact);
        await this.events.finishLog(log.id, {
          status: outcome.status,
          message: outcome.message ?? null,
          organizationId: outcome.organizationId,
          campaignId: outcome.campaignId,
          campaignName: outcome.campaignName,
        });
        return outcome.status;
      });
    } catch (err) {
      if (err instanceof LeaseLostError) {
        result = 'lease_lost';
        return;
      }
      result = (await this.recordFailure(log, err as Error)) ? 'failed' : 'retry';
    } finally {
      endTimer({ outcome: result });
      if (result !== 'lease_lost') this.metrics.processingAttempts.inc({ outcome: result });
    }
  }

  /** Backoff doubles from WEBHOOK_RETRY_BASE_MS per attempt, capped at an hour. */
  backoffMs(attempts: number): number {
    return Math.min(this.config.webhookRetryBaseMs * 2 ** Math.max(0, attempts - 1), 3_600_000);
  }

  /** Records a failed attempt; true when it was the last one (the log is failed). */
  private async recordFailure(log: ClaimedLog, err: Error): Promise<boolean> {
    const message = (err.message || String(err)).slice(0, 2000);
    // An event no organization takes will not route by itself on a later attempt: it fails at
    // once, and an admin's retry after mapping the workspace processes it.
    const final = err instanceof UnroutableEventError || log.attempts >= this.config.webhookMaxAttempts;
    try {
      await this.db.runAs(SYSTEM_CONTEXT, () =>
        this.events.recordFailure(log.id, log.attempts, final, message, final ? 0 : this.backoffMs(log.attempts)),
      );
    } catch (e) {
      // The lease will run out and another attempt will pick the log up again.
      this.logger.warn(`could not record the failure of log ${log.id}: ${(e as Error).message}`);
    }
    if (final) this.logger.warn(`webhook log ${log.id} failed after ${log.attempts} attempt(s): ${message}`);
    return final;
  }
}
