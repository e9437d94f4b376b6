import { TransactionalAdapter } from '@nestjs-cls/transactional';
import type { PoolClient, QueryResult, QueryResultRow, Submittable } from 'pg';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ContextStatement, NamedStatement, StatementMode, TxContext } from './context-statement';
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

/** What a transaction's user may do with its connection: run statements, open a cursor, use TypeORM. */
export interface PgClient {
  query<T extends QueryResultRow = Record<string, unknown>>(
    statement: string | NamedStatement,
    values?: unknown[],
  ): Promise<QueryResult<T>>;
  /** Submits a cursor (pg-cursor) on the transaction's connection, behind its context. */
  cursor<C extends Submittable>(cursor: C): Promise<C>;
  /** TypeORM's EntityManager on the transaction's connection, behind its context. */
  entityManager(): Promise<EntityManager>;
}

/** Sends a ContextStatement on client; resolves with the statement's result. */
function sendStatement(
  client: PoolClient,
  context: TxContext,
  mode: StatementMode,
  statement: string | NamedStatement | undefined,
  values: unknown[] | undefined,
): Promise<QueryResult<QueryResultRow>> {
  return new Promise((resolve, reject) => {
    client.query(new ContextStatement(context, mode, statement, values, (err, res) => (err ? reject(err) : resolve(res!))));
  });
}

/**
 * A transaction of several statements on the connection of a TypeORM QueryRunner (taken with its
 * public connect(), given back with release(), which discards a connection that failed). It begins
 * with its first statement: BEGIN and the RLS context go out ahead of it behind one Sync
 * (ContextStatement, `open`), one round trip; a handler that runs no statement costs none.
 *
 * TypeORM's EntityManager (entityManager()) runs on the same connection inside the transaction but
 * is not told of it: the repositories Db.inTx() hands out have no save(), remove(), softRemove() or
 * recover() (RowRepository), the operations that would wrap themselves in a transaction of their
 * own; insert, update, delete and every read are single statements.
 */
class RlsTx implements PgClient {
  /** The connection; taken with the first use. */
  private opened: Promise<PoolClient> | undefined;
  /** BEGIN and the context went out (with the first statement). */
  private begun = false;

  constructor(
    readonly runner: QueryRunner,
    private readonly context: TxContext,
  ) {}

  get connected(): boolean {
    return this.opened !== undefined;
  }

  private open(): Promise<PoolClient> {
    return (this.opened ??= this.runner.connect() as Promise<PoolClient>);
  }

  /**
   * The mode of the next statement: the first carries BEGIN and the context. Decided when it is
   * queued on the connection (synchronously after open()), so statements started together keep their order.
   */
  private nextMode(): StatementMode {
    if (this.begun) return 'plain';
    this.begun = true;
    return 'open';
  }

  async query<T extends QueryResultRow = Record<string, unknown>>(
    statement: string | NamedStatement,
    values?: unknown[],
  ): Promise<QueryResult<T>> {
    const client = await this.open();
    const mode = this.nextMode();
    // A later statement as text goes as pg sends it; a named one through ContextStatement, which
    // keeps the connection's list of prepared statements.
    if (mode === 'plain' && typeof statement === 'string') return client.query<T>(statement, values);
    return (await sendStatement(client, this.context, mode, statement, values)) as QueryResult<T>;
  }

  /** BEGIN and the context alone, when the first use is not a statement of ours. */
  private async begin(): Promise<PoolClient> {
    const client = await this.open();
    if (this.nextMode() === 'open') await sendStatement(client, this.context, 'open', undefined, []);
    return client;
  }

  async cursor<C extends Submittable>(cursor: C): Promise<C> {
    return (await this.begin()).query(cursor);
  }

  async entityManager(): Promise<EntityManager> {
    await this.begin();
    return this.runner.manager;
  }

  /** COMMIT, or ROLLBACK (when `failed`), if the transaction began. */
  async end(failed: boolean): Promise<void> {
    if (!this.begun) return;
    const client = await this.open();
    await client.query(failed ? 'ROLLBACK' : 'COMMIT');
  }
}

/**
 * A transaction that is one statement (RlsTxOptions.single), with no BEGIN or COMMIT: the context
 * and the statement behind one Sync (ContextStatement). The connection is taken when the statement
 * is sent and goes back to the pool as soon as its answer is in, like pg's pool.query(): the
 * validation and handler code around the statement, and the event loop's delay before the handler
 * resumes, do not hold one of the pool's few connections.
 */
class SingleStatementTx implements PgClient {
  /** The statement, settled: its connection is back in the pool. */
  done: Promise<unknown> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly context: TxContext,
    private readonly mode: 'single-read' | 'single-write',
  ) {}

  query<T extends QueryResultRow = Record<string, unknown>>(
    statement: string | NamedStatement,
    values?: unknown[],
  ): Promise<QueryResult<T>> {
    if (this.done) return Promise.reject(new Error('a single-statement transaction ran a second statement'));
    const result = this.run(statement, values);
    this.done = result.catch(() => undefined);
    return result as Promise<QueryResult<T>>;
  }

  cursor(): Promise<never> {
    return Promise.reject(new Error('a single-statement transaction cannot run a cursor'));
  }

  entityManager(): Promise<never> {
    return Promise.reject(new Error('a single-statement transaction cannot use TypeORM'));
  }

  private async run(statement: string | NamedStatement, values: unknown[] | undefined): Promise<QueryResult<QueryResultRow>> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      // Ends with its Sync: committed, or rolled back on an error; nothing to send after it.
      return await sendStatement(client, this.context, this.mode, statement, values);
    } finally {
      await runner.release();
    }
  }
}

/** Whether transactions use named prepared statements (DATABASE_PREPARED_CONTEXT), from the data source's options. */
function usesPreparedStatements(dataSource: DataSource): boolean {
  const extra = (dataSource.options as { extra?: Record<string, unknown> }).extra;
  return extra?.[PREPARED_CONTEXT_OPTION] !== false;
}

/**
 * Runs fn in a transaction under ctx: begun with fn's first use of the connection (RlsTx), then
 * committed, or rolled back when fn throws. The connection goes back through TypeORM's QueryRunner,
 * which discards one that failed (its 'error' listener). With `single`, fn's one statement is the
 * whole transaction (SingleStatementTx).
 */
export async function runInRlsTransaction<T>(
  dataSource: DataSource,
  ctx: RlsContext,
  fn: (client: PgClient) => Promise<T>,
  single?: SingleStatement,
): Promise<T> {
  // Checked before a connection is taken: a context that cannot be expressed is a bug.
  const context: TxContext = { values: contextValues(ctx), prepared: usesPreparedStatements(dataSource) };
  if (single) {
    const tx = new SingleStatementTx(dataSource, context, single === 'read' ? 'single-read' : 'single-write');
    try {
      return await fn(tx);
    } finally {
      // fn may have failed while its statement was still out.
      await tx.done;
    }
  }
  const tx = new RlsTx(dataSource.createQueryRunner(), context);
  try {
    const result = await fn(tx);
    await tx.end(false);
    return result;
  } catch (err) {
    // A failed statement leaves the transaction aborted; a failed COMMIT has ended it (ROLLBACK then only warns).
    await tx.end(true).catch(() => undefined);
    throw err;
  } finally {
    if (tx.connected) await tx.runner.release();
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
