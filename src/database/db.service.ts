import { Inject, Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { NamedStatement } from './context-query';
import { RlsContext } from './rls-context';
import { PgClient, RlsTransactionalAdapter, SingleStatement } from './rls-transactional.adapter';
import { entityManagerFor } from './tx-entity-manager';

export interface ExecResult<T> {
  rows: T[];
  affected: number;
}

/**
 * The repositories' way to the database: TypeORM's EntityManager and repositories for row work,
 * query() for hand-written statements, both on the current RLS transaction (the request's, opened
 * by the interceptor, or a job's, opened by runAs). A query attempted outside one throws instead
 * of silently running on the bare pool with no policies' variables set.
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

  /** TypeORM's EntityManager bound to the current transaction. */
  get manager(): EntityManager {
    return entityManagerFor(this.dataSource, this.tx);
  }

  /** TypeORM's Repository of entity, bound to the current transaction. */
  repository<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.manager.getRepository(entity);
  }

  async query<T = Record<string, unknown>>(sql: string | NamedStatement, params: unknown[] = []): Promise<T[]> {
    return (await this.execute<T>(sql, params)).rows;
  }

  async one<T = Record<string, unknown>>(sql: string | NamedStatement, params: unknown[] = []): Promise<T | undefined> {
    return (await this.execute<T>(sql, params)).rows[0];
  }

  /** Rows and the affected count, the same shape for SELECT, INSERT, UPDATE and DELETE. */
  async execute<T = Record<string, unknown>>(sql: string | NamedStatement, params: unknown[] = []): Promise<ExecResult<T>> {
    const result = await this.tx.query(sql, params);
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
