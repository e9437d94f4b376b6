import { Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const jobLogger = new Logger('Jobs');

/** Where the gauges that need the database read it (set by MetricsService once the app runs). */
export interface DatabaseReadings {
  /** Logs per status (from the stats rollup, no scan of webhook_log). */
  statusCounts(): Promise<Record<string, number>>;
  /** Seconds since the oldest due pending log became due (0 when none): the lag to alert on. */
  oldestDuePendingSeconds(): Promise<number>;
  /** Logs queued by a bulk retry by filter, counted up to a cap. */
  retryQueueDepth(): Promise<number>;
  /** Rows the log's default partition caught (a month with no partition) and monthly partitions ahead of today. */
  partitions(): Promise<{ default_rows: number; months_ahead: number }>;
  pool(): { total: number; idle: number; waiting: number; max: number };
}

/**
 * The service's Prometheus metrics, one registry per application (tests build several in one
 * process). Labels carry no organization id, uuid or email: sources, event types, statuses, route
 * templates and job names only.
 */
export class AppMetrics {
  readonly registry = new Registry();
  readings: DatabaseReadings | null = null;

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly webhooksReceived = new Counter({
    name: 'webhooks_received_total',
    help: 'Webhook events stored (new, not duplicates), by source',
    labelNames: ['source'],
    registers: [this.registry],
  });
  readonly webhooksDeduplicated = new Counter({
    name: 'webhooks_deduplicated_total',
    help: 'Webhook events answered as duplicates of a stored one, by source',
    labelNames: ['source'],
    registers: [this.registry],
  });
  readonly webhooksRejected = new Counter({
    name: 'webhooks_rejected_total',
    help: 'Webhook requests refused (bad secret, bad body, queue full, database down), by source and status',
    labelNames: ['source', 'status'],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'webhook_ingest_batch_size',
    help: 'Events per batch insert',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
    registers: [this.registry],
  });
  readonly batchDuration = new Histogram({
    name: 'webhook_ingest_batch_duration_seconds',
    help: 'Duration of one batch insert transaction',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly processingDuration = new Histogram({
    name: 'webhook_processing_duration_seconds',
    help: 'Processing of one webhook log, by event type and outcome',
    labelNames: ['event_type', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly processingAttempts = new Counter({
    name: 'webhook_processing_attempts_total',
    help: 'Processing attempts by outcome: processed, skipped, retry (failed, will be retried), failed (final)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly rlsTransactionDuration = new Histogram({
    name: 'db_rls_transaction_duration_seconds',
    help: 'Request transactions under the caller’s RLS context, from the first statement to commit or rollback',
    labelNames: ['outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly jobLastSuccess = new Gauge({
    name: 'job_last_success_timestamp_seconds',
    help: 'When a scheduled job last finished successfully in this instance (unix time)',
    labelNames: ['job_name'],
    registers: [this.registry],
  });
  readonly jobDuration = new Gauge({
    name: 'job_last_duration_seconds',
    help: 'How long the last run of a scheduled job took in this instance',
    labelNames: ['job_name'],
    registers: [this.registry],
  });
  readonly exportRows = new Counter({
    name: 'webhook_export_rows_total',
    help: 'Rows streamed by webhook log exports, by format',
    labelNames: ['format'],
    registers: [this.registry],
  });
  readonly turnsTakenEarly = new Counter({
    name: 'webhook_turns_taken_early_total',
    help: "Logs a worker took in the middle of its batch because their turn came first (another tenant's events; fair processing)",
    registers: [this.registry],
  });
  readonly credentialReloads = new Counter({
    name: 'webhook_credential_reloads_total',
    help: "Reads of the organizations' webhook credential hashes into memory (receipt looks credentials up there)",
    registers: [this.registry],
  });
  readonly privacyRequests = new Counter({
    name: 'privacy_requests_total',
    help: 'Personal-data requests (subject access, erasure), by kind and outcome; never the email',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly privacyErased = new Counter({
    name: 'privacy_erased_total',
    help: 'What erasures removed or redacted, by kind (contacts, assignments, logs, prepared_logs)',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  // eslint-disable-next-line max-lines-per-function -- declarations of gauges and their collect callbacks, one block each, no logic between them
  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const readings = () => this.readings;
    new Gauge({
      name: 'webhook_logs',
      help: 'Webhook logs by status (from the stats rollup)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const r = readings();
        if (!r) return;
        this.reset();
        for (const [status, n] of Object.entries(await r.statusCounts())) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'webhook_oldest_due_pending_seconds',
      help: 'Age of the oldest pending log that is due for processing (0 when none): processing lag',
      registers: [this.registry],
      async collect() {
        const r = readings();
        if (r) this.set(await r.oldestDuePendingSeconds());
      },
    });
    new Gauge({
      name: 'webhook_retry_queue_depth',
      help: 'Logs queued by a bulk retry by filter and not yet taken by a worker',
      registers: [this.registry],
      async collect() {
        const r = readings();
        if (r) this.set(await r.retryQueueDepth());
      },
    });
    new Gauge({
      name: 'webhook_log_default_partition_rows',
      help: 'Logs stored in the default partition because their month had no partition (should be 0; the daily partition job moves them)',
      registers: [this.registry],
      async collect() {
        const r = readings();
        if (r) this.set((await r.partitions()).default_rows);
      },
    });
    new Gauge({
      name: 'webhook_log_partitions_ahead',
      help: 'Monthly webhook log partitions that exist after the current month (alert when 0)',
      registers: [this.registry],
      async collect() {
        const r = readings();
        if (r) this.set((await r.partitions()).months_ahead);
      },
    });
    const pool = (name: string, help: string, pick: (p: ReturnType<DatabaseReadings['pool']>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const r = readings();
          if (r) this.set(pick(r.pool()));
        },
      });
    pool('db_pool_size', 'Connections the pool may open', (p) => p.max);
    pool('db_pool_connections', 'Connections open', (p) => p.total);
    pool('db_pool_idle', 'Open connections not in use', (p) => p.idle);
    pool('db_pool_waiting', 'Requests waiting for a connection', (p) => p.waiting);
  }

  /**
   * Times fn into a job's gauges (only a successful run moves the last-success time) and writes
   * one JSON line per run with its own request id, as requests have.
   */
  async timeJob<T>(job: string, fn: () => Promise<T>, level: 'log' | 'debug' = 'log'): Promise<T> {
    const started = process.hrtime.bigint();
    const line = (ok: boolean, extra: Record<string, unknown>) =>
      JSON.stringify({ request_id: randomUUID(), job, ok, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10, ...extra });
    try {
      const result = await fn();
      this.jobDuration.set({ job_name: job }, Number(process.hrtime.bigint() - started) / 1e9);
      this.jobLastSuccess.set({ job_name: job }, Date.now() / 1000);
      jobLogger[level](line(true, { result: typeof result === 'object' ? result : { value: result } }));
      return result;
    } catch (err) {
      jobLogger.error(line(false, { error: (err as Error).message }));
      throw err;
    }
  }
}

export const APP_METRICS = Symbol('APP_METRICS');
