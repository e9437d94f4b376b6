import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { PgClient } from './rls-transactional.adapter';

const managers = new WeakMap<PgClient, EntityManager>();

/**
 * TypeORM's EntityManager on the current RLS transaction's connection: its query runner sends
 * every statement through the transaction (so the first one still carries BEGIN and the context,
 * in one round trip) and counts as inside a transaction, so save() adds no BEGIN or COMMIT of its
 * own. One per transaction, made on first use.
 */
export function entityManagerFor(dataSource: DataSource, tx: PgClient): EntityManager {
  let manager = managers.get(tx);
  if (!manager) {
    const runner: QueryRunner = dataSource.createQueryRunner();
    Object.assign(runner, { databaseConnection: tx, isTransactionActive: true });
    manager = dataSource.createEntityManager(runner);
    managers.set(tx, manager);
  }
  return manager;
}
