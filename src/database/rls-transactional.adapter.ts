import { TransactionalAdapter } from '@nestjs-cls/transactional';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { beginWithContextSql, RlsContext } from './rls-context';

export interface RlsTxOptions {
  context: RlsContext;
}

export type PgClient = { query(sql: string): Promise<unknown> };

/**
 * Opens a transaction whose first statement sets the RLS context (both sent as one round trip),
 * for the nestjs-cls transactional plugin. A transaction without a context is refused, so nothing
 * can run through TransactionHost with no policies' variables set.
 */
export async function runInRlsTransaction<T>(
  dataSource: DataSource,
  ctx: RlsContext,
  fn: (runner: QueryRunner, client: PgClient) => Promise<T>,
): Promise<T> {
  const sql = beginWithContextSql(ctx);
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PgClient;
  let open = false;
  try {
    await client.query(sql);
    open = true;
    const result = await fn(runner, client);
    open = false;
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
  }
}

export class RlsTransactionalAdapter implements TransactionalAdapter<DataSource, EntityManager, RlsTxOptions> {
  connectionToken = DataSource;

  optionsFactory = (dataSource: DataSource) => ({
    wrapWithTransaction: (options: RlsTxOptions, fn: (...args: unknown[]) => Promise<unknown>, setTx: (tx?: EntityManager) => void) => {
      if (!options?.context) throw new Error('a transaction needs an RLS context');
      return runInRlsTransaction(dataSource, options.context, (runner) => {
        setTx(runner.manager);
        return fn();
      });
    },
    getFallbackInstance: () => dataSource.manager,
  });
}
