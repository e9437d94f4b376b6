import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';

/** A log a worker claimed: what processing needs of it. */
export interface ClaimedLog {
  id: string;
  event_source: string;
  event_type: string;
  raw_event_type: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
  /** Its turn (FairTurns) when claimed: the order workers take logs in. */
  next_attempt_at: Date;
  /** The organization whose own credential received the event (null: the global secret). */
  credential_org_id: string | null;
}

/**
 * A log a worker may claim, taken in order of next_attempt_at (its turn): a first attempt
 * (attempts = 0) whenever it comes first, though its turn may be ahead of now (FairTurns); a retry
 * not before its backoff ends. Served by the partial due index.
 */
const DUE = sql`status = 'pending' AND (attempts = 0 OR next_attempt_at <= now())`;

/** What a claim returns of each log it took (ClaimedLog). */
const CLAIMED_COLUMNS = sql`w.id, w.event_source, w.event_type, w.raw_event_type, w.payload, w.attempts, w.created_at, w.next_attempt_at, w.credential_org_id`;

/**
 * The ingest batch's INSERT, prepared once per connection (sql.named): planning it took
 * PostgreSQL about a tenth of a millisecond per batch, a fifth of a small batch's cost.
 */
const insertLogs = (c: EventColumns) =>
  sql`WITH x AS (
         SELECT * FROM unnest(${c.source}::text[], ${c.dedup}::text[], ${c.type}::text[], ${c.raw}::text[], ${c.payload}::text[],
                              ${c.workspace}::text[], ${c.icampaign}::text[], ${c.cname}::text[], ${c.email}::text[], ${c.org}::uuid[], ${c.turn}::float8[])
           AS x(s, d, t, r, p, w, ic, cn, em, o, turn)),
       fresh AS (
         INSERT INTO webhook_log_dedup (event_source, dedup_key, log_id)
         SELECT s, d, gen_random_uuid() FROM x
         ON CONFLICT ON CONSTRAINT pk_webhook_log_dedup DO NOTHING
         RETURNING event_source, dedup_key, log_id)
       INSERT INTO webhook_log (id, event_source, dedup_key, event_type, raw_event_type, payload, workspace_id,
                                instantly_campaign_id, campaign_name, contact_email, organization_id, credential_org_id, next_attempt_at)
       SELECT f.log_id, x.s, x.d, x.t, x.r, x.p::jsonb, x.w, x.ic, x.cn, x.em, x.o, x.o,
              CASE WHEN x.turn > 0 THEN now() + x.turn * interval '1 millisecond' ELSE now() END
         FROM fresh f JOIN x ON x.s = f.event_source AND x.d = f.dedup_key
       RETURNING id, event_source, dedup_key`.named('sb_ingest_insert_logs');

/** Columns of a batch of received events, one array per column, the same length each. */
export interface EventColumns {
  source: string[];
  dedup: string[];
  type: string[];
  raw: (string | null)[];
  payload: string[];
  workspace: (string | null)[];
  icampaign: (string | null)[];
  cname: (string | null)[];
  email: (string | null)[];
  org: (string | null)[];
  /** Milliseconds from now to the event's turn (FairTurns): its first attempt's next_attempt_at. */
  turn: number[];
}

export type StoredKey = { id: string; event_source: string; dedup_key: string };

/**
 * Received events: storing them (batched, deduplicated), and the workers' claims, leases and
 * outcomes. Runs as `system`.
 */
@Injectable()
export class WebhookEventRepository {
  constructor(private readonly db: Db) {}

  // ---- receipt ----

  /**
   * One statement for the whole batch. The dedup table takes the keys first (migration
   * WebhookLogPartitions: a unique index on the partitioned log would have to include created_at);
   * only events whose key was new are stored, under the id the key row got. A key being stored by
   * a concurrent transaction waits for it, then counts as existing. Keys must be distinct.
   */
  insertLogs(c: EventColumns): Promise<StoredKey[]> {
    return this.db.query<StoredKey>(insertLogs(c));
  }

  /** The logs stored for (sources[i], dedupKeys[i]) pairs, by their dedup keys. */
  findLogs(sources: string[], dedupKeys: string[]): Promise<StoredKey[]> {
    return this.db.query<StoredKey>(sql`SELECT k.log_id AS id, k.event_source, k.dedup_key FROM webhook_log_dedup k
         JOIN unnest(${sources}::text[], ${dedupKeys}::text[]) AS x(s, d) ON k.event_source = x.s AND k.dedup_key = x.d`);
  }

  // ---- the workers ----

  /**
   * Claims up to `limit` due logs (first attempts in order of their tenant's fair turn, retries
   * once their backoff ended), up to `limit` whose lease ran out, and up to `limit` queued by a
   * bulk retry (migration WebhookLogRetryQueue): a queued log is taken off the queue and claimed in
   * the same statement, if it is still failed or skipped (or processed, when queued with force);
   * otherwise (retried one by one meanwhile, or deleted) its entry is simply dropped.
   */
  claim(limit: number, leaseSeconds: number): Promise<ClaimedLog[]> {
    return this.db.query<ClaimedLog>(sql`WITH due AS (
          SELECT id FROM webhook_log WHERE ${DUE}
           ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
        ), stale AS (
          SELECT id FROM webhook_log WHERE status = 'processing' AND locked_until < now()
           ORDER BY locked_until LIMIT ${limit} FOR UPDATE SKIP LOCKED
        ), dequeued AS (
          DELETE FROM webhook_log_retry q WHERE q.log_id IN (
            SELECT log_id FROM webhook_log_retry ORDER BY requested_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
          RETURNING q.log_id, q.force, q.requested_at
        ), retried AS (
          UPDATE webhook_log w
             SET status = 'processing', attempts = 1, retry_count = w.retry_count + 1, last_retry_at = q.requested_at,
                 next_attempt_at = now(), locked_until = now() + make_interval(secs => ${leaseSeconds})
            FROM dequeued q
           WHERE w.id = q.log_id AND (w.status IN ('failed', 'skipped') OR (q.force AND w.status = 'processed'))
          RETURNING ${CLAIMED_COLUMNS}
        ), claimed AS (
          UPDATE webhook_log w
             SET status = 'processing', attempts = w.attempts + 1,
                 locked_until = now() + make_interval(secs => ${leaseSeconds})
           WHERE w.id IN (SELECT id FROM due UNION ALL SELECT id FROM stale)
          RETURNING ${CLAIMED_COLUMNS}
        )
        SELECT * FROM claimed UNION ALL SELECT * FROM retried`);
  }

  /**
   * Claims up to `limit` due logs whose turn comes before `turn` (a worker's next log): another
   * tenant's events that arrived while the worker's batch was running. Finding none is the first
   * entry of the due index, so asking often is cheap.
   */
  claimBefore(turn: Date, limit: number, leaseSeconds: number): Promise<ClaimedLog[]> {
    return this.db.query<ClaimedLog>(sql`WITH due AS (
          SELECT id FROM webhook_log WHERE ${DUE} AND next_attempt_at < ${turn}
           ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
       UPDATE webhook_log w SET status = 'processing', attempts = w.attempts + 1, locked_until = now() + make_interval(secs => ${leaseSeconds})
        WHERE w.id IN (SELECT id FROM due)
       RETURNING ${CLAIMED_COLUMNS}`);
  }

  async hasQueuedRetries(): Promise<boolean> {
    return (await this.db.query(sql`SELECT 1 FROM webhook_log_retry LIMIT 1`)).length > 0;
  }

  /**
   * Re-locks the log and checks the lease is still this attempt's. The transaction's commit need
   * not wait for the WAL flush: the CRM changes and the status are committed together, so a crash
   * can only lose both, and the log is then reclaimed and processed again.
   *
   * With `subjectLock` (the event carries an email: subjectLockKey), the same statement first takes
   * that advisory lock, which an erasure of the email takes first too: the joined subquery runs
   * before the row lock, which FOR UPDATE takes last, on the rows the join gives.
   */
  async holdLease(id: string, attempts: number, subjectLock: string | null = null): Promise<boolean> {
    const rows = await this.db.query(sql`SELECT set_config('synchronous_commit', 'off', true)
         FROM webhook_log LEFT JOIN (SELECT pg_advisory_xact_lock(hashtextextended(${subjectLock}::text, 0)) WHERE ${subjectLock}::text IS NOT NULL) AS subject ON true
        WHERE id = ${id} AND status = 'processing' AND attempts = ${attempts} FOR UPDATE OF webhook_log`);
    return rows.length > 0;
  }

  async finishLog(
    id: string,
    o: { status: string; message: string | null; organizationId: string | null; campaignId: string | null; campaignName: string | null },
  ): Promise<void> {
    await this.db
      .query(sql`UPDATE webhook_log SET status = ${o.status}::text, processed_at = now(), locked_until = NULL, error_message = ${o.message}::text,
              attempt_history = attempt_history || jsonb_build_object('attempt', attempts, 'at', now(), 'outcome', ${o.status}::text, 'message', ${o.message}::text),
              organization_id = coalesce(${o.organizationId}, organization_id), campaign_id = coalesce(${o.campaignId}, campaign_id),
              campaign_name = coalesce(${o.campaignName}, campaign_name)
        WHERE id = ${id}`);
  }

  /** A failed attempt: pending again after retryInMs, or failed for good (final), if the lease is still this attempt's. */
  async recordFailure(id: string, attempts: number, final: boolean, message: string, retryInMs: number): Promise<void> {
    await this.db.query(sql`UPDATE webhook_log
          SET status = ${final ? 'failed' : 'pending'}::text, error_message = ${message}::text, locked_until = NULL,
              attempt_history = attempt_history || jsonb_build_object('attempt', attempts, 'at', now(), 'outcome', 'error', 'message', ${message}::text),
              next_attempt_at = now() + make_interval(secs => ${retryInMs}::double precision / 1000)
        WHERE id = ${id} AND status = 'processing' AND attempts = ${attempts}`);
  }
}
