import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import type { QueryResultRow } from 'pg';
import Cursor from 'pg-cursor';
import { ObjectLiteral, Repository } from 'typeorm';
import { RlsContext } from './rls-context';
import { Sql } from './sql';
import { PgClient, RlsTransactionalAdapter, SingleStatement } from './rls-transactional.adapter';

/**
 * A TypeORM Repository inside the request's or job's transaction, without the operations that
 * would wrap themselves in a transaction of their own (TypeORM is not told of the one it runs in,
 * see RlsTx): create with insert(), change with update(), read with find*, exists and count.
 */
export type RowRepository<T extends ObjectLiteral> = Omit<
  Repository<T>,
  'save' | 'remove' | 'softRemove' | 'recover' | 'manager' | 'queryRunner'
>;

export interface ExecResult<T> {
  rows: T[];
  affected: number;
}

/**
 * The repositories' way to the database: their injected TypeORM repositories for row work
 * (inTx), the sql template's statements (query, one, execute) and cursors, all on the current RLS transaction (the request's, opened
 * by the interceptor, or a job's, opened by runAs). A query attempted outside one throws instead
 * of silently running on the bare pool with no policies' variables set.
 */
@Injectable()
export class Db {
  constructor(
    private readonly txHost: TransactionHost<RlsTransactionalAdapter>,
    private readonly cls: ClsService,
  ) {}

  private get tx(): PgClient {
    const client = this.txHost.isTransactionActive() ? this.txHost.tx : undefined;
    if (!client) throw new Error('database access outside an RLS transaction');
    return client;
  }

  /**
   * A module's injected TypeORM Repository (@InjectRepository), on the current transaction: the
   * injected one runs on the pool, outside any RLS context, so it is used only through this.
   */
  async inTx<T extends ObjectLiteral>(repository: Repository<T>): Promise<RowRepository<T>> {
    return (await this.tx.entityManager()).withRepository(repository);
  }

  /** A server-side cursor (pg-cursor) over statement, on the current transaction's connection. */
  cursor<T extends QueryResultRow>(statement: Sql): Promise<Cursor<T>> {
    const { text, values } = statement.compile();
    return this.tx.cursor(new Cursor<T>(text, values));
  }

  async query<T = Record<string, unknown>>(statement: Sql): Promise<T[]> {
    return (await this.execute<T>(statement)).rows;
  }

  async one<T = Record<string, unknown>>(statement: Sql): Promise<T | undefined> {
    return (await this.execute<T>(statement)).rows[0];
  }

  /** Rows and the affected count, the same shape for SELECT, INSERT, UPDATE and DELETE. */
  async execute<T = Record<string, unknown>>(statement: Sql): Promise<ExecResult<T>> {
    const { text, values } = statement.compile();
    const result = await this.tx.query(statement.name ? { name: statement.name, text } : text, values);
    return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
  }

  /**
   * Runs fn in a fresh CLS context and a new transaction under ctx: the one way for work that has
   * no request of its own (jobs, workers, the ingest batcher, the receivers' credential lookup)
   * or must not join the caller's transaction. Requests get theirs from the interceptor.
   */
  runAs<T>(ctx: RlsContext, fn: () => Promise<T>, single?: SingleStatement): Promise<T> {
    return this.cls.run({ ifNested: 'override' }, () => this.txHost.withTransaction({ context: ctx, single }, fn));
  }
}
