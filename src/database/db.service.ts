import { Inject, Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { RlsContext } from './rls-context';
import { PgClient, RlsTransactionalAdapter, runInRlsTransaction } from './rls-transactional.adapter';

export interface ExecResult<T> {
  rows: T[];
  affected: number;
}

/**
 * The only way feature code reaches the database. Every query runs inside a transaction whose
 * first statement set the RLS context; a query attempted outside one throws instead of silently
 * running on the bare pool with no policies' variables set.
 */
@Injectable()
export class Db {
  constructor(
    private readonly txHost: TransactionHost<RlsTransactionalAdapter>,
    private readonly cls: ClsService,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  get tx(): PgClient {
    const client = this.txHost.isTransactionActive() ? this.txHost.tx : undefined;
    if (!client) throw new Error('database access outside an RLS transaction');
    return client;
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.execute<T>(sql, params)).rows;
  }

  async one<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.execute<T>(sql, params)).rows[0];
  }

  /** Rows and the affected count, the same shape for SELECT, INSERT, UPDATE and DELETE. */
  async execute<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<ExecResult<T>> {
    const result = await this.tx.query(sql, params);
    return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
  }

  /**
   * Runs fn in a fresh CLS context and a new transaction under ctx: for jobs, workers and other
   * work that has no request of its own (or must not join the caller's transaction).
   */
  runAs<T>(ctx: RlsContext, fn: () => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'override' }, () => this.txHost.withTransaction({ context: ctx }, fn));
  }

  /**
   * A dedicated connection and transaction under ctx, outside CLS: for a response streamed after
   * the handler returned, and for batches flushed from a timer. Commits on success, rolls back on
   * error, and always releases the connection.
   */
  withConnection<T>(ctx: RlsContext, fn: (client: PgClient) => Promise<T>): Promise<T> {
    return runInRlsTransaction(this.dataSource, ctx, fn);
  }

  get raw(): DataSource {
    return this.dataSource;
  }
}
