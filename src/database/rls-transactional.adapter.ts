import { TransactionalAdapter } from '@nestjs-cls/transactional';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { beginWithContextSql, RlsContext } from './rls-context';

export interface RlsTxOptions {
  context: RlsContext;
}

/** A pooled pg connection inside an RLS transaction. */
export type PgClient = PoolClient;

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
 * Opens a transaction whose first statement sets the RLS context (both sent as one round trip),
 * runs fn on its connection, commits, or rolls back when fn throws. A connection whose COMMIT or
 * ROLLBACK failed is in an unknown state, so it is discarded instead of going back to the pool.
 */
export async function runInRlsTransaction<T>(dataSource: DataSource, ctx: RlsContext, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const sql = beginWithContextSql(ctx);
  const client = await poolOf(dataSource).connect();
  let open = false;
  let discard: Error | undefined;
  // pg-pool listens for errors only on idle connections: one that dies while checked out (the
  // server restarting, say) would emit an unhandled 'error' and end the process. The query in
  // flight fails on its own; the connection is discarded on release.
  const onError = (err: Error) => {
    discard = err;
  };
  client.on('error', onError);
  try {
    await client.query(sql);
    open = true;
    const result = await fn(client);
    open = false;
    await client.query('COMMIT').catch((err: Error) => {
      discard = err;
      throw err;
    });
    return result;
  } catch (err) {
    if (open) {
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
