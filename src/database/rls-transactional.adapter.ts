import { TransactionalAdapter } from '@nestjs-cls/transactional';
import type { Pool, PoolClient, QueryResult, QueryResultRow, Submittable } from 'pg';
import { DataSource } from 'typeorm';
import { ContextQuery, ContextQueryMode, NamedStatement, queryConfig, TxContext } from './context-query';
import { PREPARED_CONTEXT_OPTION } from './data-source';
import { contextValues, RlsContext } from './rls-context';

export interface RlsTxOptions {
  context: RlsContext;
  /**
   * The transaction is one statement: it goes out with its context and commits at its Sync, in one
   * round trip and without a COMMIT (SingleStatementTx). `read` (SingleReadStatement routes) also
   * makes it read-only; `write` is for a job's one set-based write (the ingest batch). A second
   * statement, or a cursor, is refused: the caller was marked wrongly.
   */
  single?: SingleStatement;
}

/** A transaction that is one statement: a read-only one, or one that may write. */
export type SingleStatement = 'read' | 'write';

/** What a transaction's user may do with its connection: run statements, or submit a cursor. */
export interface PgClient {
  query<T extends QueryResultRow = Record<string, unknown>>(text: string | NamedStatement, values?: unknown[]): Promise<QueryResult<T>>;
  query<S extends Submittable>(submittable: S): S;
}

/**
 * Sends text as a ContextQuery on client. A failure that leaves the connection in an unknown state
 * (ContextQuery.leftConnectionUnknown) is reported to broken, so the connection is discarded.
 */
function sendContextQuery(
  client: PoolClient,
  context: TxContext,
  mode: ContextQueryMode,
  text: string | NamedStatement,
  values: unknown[] | undefined,
  broken: (err: Error) => void,
): Promise<QueryResult<QueryResultRow>> {
  return new Promise((resolve, reject) => {
    const query: ContextQuery = new ContextQuery(context, mode, text, values, (err, res) => {
      if (!err) return resolve(res);
      if (query.leftConnectionUnknown) broken(err);
      reject(err);
    });
    client.query(query);
  });
}

/** A cursor (or another object pg submits itself), as opposed to a statement's text. */
function isSubmittable(config: string | NamedStatement | Submittable): config is Submittable {
  return typeof config !== 'string' && typeof (config as Submittable).submit === 'function';
}

/**
 * Watches a checked-out connection for errors: pg-pool listens only on idle ones, so a connection
 * that dies while checked out (the server restarting, say) would emit an unhandled 'error' and end
 * the process. The query in flight fails on its own; the connection is discarded on release.
 */
function watch(client: PoolClient, onError: (err: Error) => void): () => void {
  client.on('error', onError);
  return () => client.off('error', onError);
}

/**
 * A pooled connection inside an RLS transaction that begins with its first statement: BEGIN and
 * the context travel with it (ContextQuery), so a one-statement request costs two round trips
 * instead of three, and a handler that runs no statement costs none.
 */
class RlsTx implements PgClient {
  begun = false;
  /** Set when a BEGIN sent ahead of a submittable failed: the transaction must not commit. */
  beginError: Error | undefined;
  constructor(
    private readonly client: PoolClient,
    private readonly context: TxContext,
    /** A context statement failed halfway (ContextQuery.leftConnectionUnknown): discard the connection. */
    private readonly broken: (err: Error) => void,
  ) {}

  query<T extends QueryResultRow = Record<string, unknown>>(text: string | NamedStatement, values?: unknown[]): Promise<QueryResult<T>>;
  query<S extends Submittable>(submittable: S): S;
  query(config: string | NamedStatement | Submittable, values?: unknown[]): unknown {
    if (isSubmittable(config)) return this.querySubmittable(config);
    if (this.begun) {
      const statement = queryConfig(config, this.context.prepared);
      return typeof statement === 'string'
        ? this.client.query<QueryResultRow>(statement, values)
        : this.client.query<QueryResultRow>({ ...statement, values });
    }
    this.begun = true;
    return sendContextQuery(this.client, this.context, 'open', config, values, this.broken);
  }

  private querySubmittable(config: Submittable): unknown {
    if (this.begun) return this.client.query(config);
    this.begun = true;
    // A cursor first: the BEGIN and context go ahead of it in the connection's queue, with a
    // statement that does nothing (pg runs queued queries in order).
    sendContextQuery(this.client, this.context, 'open', 'SELECT 1', [], this.broken).catch((err: Error) => (this.beginError ??= err));
    return this.client.query(config);
  }
}

/**
 * A transaction that is one statement (RlsTxOptions.single). The connection is taken
 * when the statement is sent and goes back to the pool as soon as its answer is in, like
 * pg's pool.query(): the validation and handler code around the statement, and the event loop's
 * delay before the handler resumes, do not hold one of the pool's few connections.
 */
class SingleStatementTx implements PgClient {
  /** The statement, settled: its connection is back in the pool. */
  done: Promise<unknown> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly context: TxContext,
    private readonly mode: 'single-read' | 'single-write',
  ) {}

  query<T extends QueryResultRow = Record<string, unknown>>(text: string | NamedStatement, values?: unknown[]): Promise<QueryResult<T>>;
  query<S extends Submittable>(submittable: S): S;
  query(config: string | NamedStatement | Submittable, values?: unknown[]): unknown {
    if (isSubmittable(config)) throw new Error('a single-statement transaction cannot run a cursor');
    if (this.done) return Promise.reject(new Error('a single-statement transaction ran a second statement'));
    const result = this.run(config, values);
    this.done = result.catch(() => undefined);
    return result;
  }

  private async run(text: string | NamedStatement, values: unknown[] | undefined): Promise<QueryResult<QueryResultRow>> {
    const client = await this.pool.connect();
    let discard: Error | undefined;
    const unwatch = watch(client, (err) => (discard = err));
    try {
      // Ends with its Sync: committed, or rolled back on an error; nothing to send after it.
      return await sendContextQuery(client, this.context, this.mode, text, values, (err) => (discard ??= err));
    } finally {
      unwatch();
      client.release(discard);
    }
  }
}

/**
 * The pg pool behind the TypeORM data source. Transactions take their connection from it directly,
 * so the first statement can carry BEGIN and the context (ContextQuery); TypeORM's EntityManager
 * then runs on that connection through a query runner bound to it (tx-entity-manager.ts).
 */
function poolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('the data source is not initialized');
  return pool;
}

/**
 * Runs fn in a transaction under ctx: the transaction begins, with its context, together with fn's
 * first statement (RlsTx); then it commits, or rolls back when fn throws. A connection whose COMMIT or
 * ROLLBACK failed is in an unknown state, so it is discarded instead of going back to the pool.
 * With `single`, fn's one statement is the whole transaction (SingleStatementTx).
 */
export async function runInRlsTransaction<T>(
  dataSource: DataSource,
  ctx: RlsContext,
  fn: (client: PgClient) => Promise<T>,
  single?: SingleStatement,
): Promise<T> {
  const pool = poolOf(dataSource);
  // Checked before a connection is taken: a context that cannot be expressed is a bug.
  const context: TxContext = {
    values: contextValues(ctx),
    prepared: (pool.options as unknown as Record<string, unknown>)[PREPARED_CONTEXT_OPTION] !== false,
  };
  if (single) {
    const tx = new SingleStatementTx(pool, context, single === 'read' ? 'single-read' : 'single-write');
    try {
      return await fn(tx);
    } finally {
      // fn may have failed while its statement was still out.
      await tx.done;
    }
  }
  const client = await pool.connect();
  let discard: Error | undefined;
  const tx = new RlsTx(client, context, (err) => (discard ??= err));
  const unwatch = watch(client, (err) => (discard = err));
  let commitFailed = false;
  try {
    const result = await fn(tx);
    if (tx.beginError) throw tx.beginError;
    if (tx.begun) {
      await client.query('COMMIT').catch((err: Error) => {
        commitFailed = true;
        discard = err;
        throw err;
      });
    }
    return result;
  } catch (err) {
    // A failed statement leaves the transaction aborted; a failed COMMIT has ended it already.
    if (tx.begun && !commitFailed) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        discard = rollbackErr;
      });
    }
    throw err;
  } finally {
    unwatch();
    client.release(discard);
  }
}

/**
 * The nestjs-cls transactional plugin's adapter: its transaction is a pg connection inside
 * runInRlsTransaction. A transaction without a context is refused, so nothing can run through
 * TransactionHost with no policies' variables set.
 */
export class RlsTransactionalAdapter implements TransactionalAdapter<DataSource, PgClient | undefined, RlsTxOptions> {
  connectionToken = DataSource;

  optionsFactory = (dataSource: DataSource) => ({
    wrapWithTransaction: (options: RlsTxOptions, fn: (...args: unknown[]) => Promise<unknown>, setTx: (tx?: PgClient) => void) => {
      if (!options?.context) throw new Error('a transaction needs an RLS context');
      return runInRlsTransaction(
        dataSource,
        options.context,
        (client) => {
          setTx(client);
          return fn();
        },
        options.single,
      );
    },
    // Outside a transaction there is no connection to use; Db refuses before it gets here.
    getFallbackInstance: () => undefined,
  });
}
