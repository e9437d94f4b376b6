import { TransactionalAdapter } from '@nestjs-cls/transactional';
import type { Pool, PoolClient, QueryResult, QueryResultRow, Submittable } from 'pg';
import { DataSource } from 'typeorm';
import { ContextQuery } from './context-query';
import { contextValues, RlsContext } from './rls-context';

export interface RlsTxOptions {
  context: RlsContext;
}

/** What a transaction's user may do with its connection: run statements, or submit a cursor. */
export interface PgClient {
  query<T extends QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<T>>;
  query<S extends Submittable>(submittable: S): S;
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
    /** contextValues() of the transaction's context. */
    private readonly context: string[],
  ) {}

  query<T extends QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<T>>;
  query<S extends Submittable>(submittable: S): S;
  query(config: string | Submittable, values?: unknown[]): unknown {
    if (this.begun) return typeof config === 'string' ? this.client.query(config, values) : this.client.query(config);
    this.begun = true;
    if (typeof config === 'string') {
      return new Promise((resolve, reject) => {
        this.client.query(new ContextQuery(this.context, config, values, (err, res) => (err ? reject(err) : resolve(res))));
      });
    }
    // A cursor first: the BEGIN and context go ahead of it in the connection's queue, with a
    // statement that does nothing (pg runs queued queries in order).
    this.client.query(
      new ContextQuery(this.context, 'SELECT 1', [], (err) => {
        if (err) this.beginError = err;
      }),
    );
    return this.client.query(config);
  }
}

/**
 * The pg pool behind the TypeORM data source. Transactions take their connection from it directly:
 * the service speaks SQL through pg, and TypeORM's query runner added a layer per query on the
 * request path (result wrapping, logging hooks) for nothing this service uses.
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
 */
export async function runInRlsTransaction<T>(dataSource: DataSource, ctx: RlsContext, fn: (client: PgClient) => Promise<T>): Promise<T> {
  // Checked before a connection is taken: a context that cannot be expressed is a bug.
  const context = contextValues(ctx);
  const client = await poolOf(dataSource).connect();
  const tx = new RlsTx(client, context);
  let discard: Error | undefined;
  // pg-pool listens for errors only on idle connections: one that dies while checked out (the
  // server restarting, say) would emit an unhandled 'error' and end the process. The query in
  // flight fails on its own; the connection is discarded on release.
  const onError = (err: Error) => {
    discard = err;
  };
  client.on('error', onError);
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
    client.off('error', onError);
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
      return runInRlsTransaction(dataSource, options.context, (client) => {
        setTx(client);
        return fn();
      });
    },
    // Outside a transaction there is no connection to use; Db refuses before it gets here.
    getFallbackInstance: () => undefined,
  });
}
