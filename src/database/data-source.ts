import { join } from 'path';
import type { Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The NOLOGIN role that every request and job switches to; created by the first migration. */
export const RUNTIME_ROLE = 'salesbrain_app';

export interface DataSourceSettings {
  url: string;
  poolSize: number;
  statementTimeoutMs?: number;
  /** PGlite's socket server speaks one session and ignores start-up parameters. */
  embedded?: boolean;
  /** Prepare the RLS context statement once per connection (default true; DATABASE_PREPARED_CONTEXT). */
  preparedContext?: boolean;
}

/**
 * Every entity, found by file name: each lives in the module that owns its table (`*.entity.ts`),
 * so this layer names none of them. test/schema-diff.e2e-spec.ts checks that TypeORM computes no
 * difference between them and the migrated schema, and that every table has one.
 */
export const ENTITY_FILES = join(__dirname, '..', '**', '*.entity.{js,ts}');

/** Carried in the pool's options, where the transaction runner finds it; pg ignores the key. */
export const PREPARED_CONTEXT_OPTION = 'salesbrainPreparedContext';

/** One definition for the app and the migration CLI; the schema comes only from migrations. */
export function buildDataSourceOptions(s: DataSourceSettings): DataSourceOptions {
  const serverOnly = s.embedded
    ? {}
    : {
        statement_timeout: s.statementTimeoutMs ?? 30000,
        // A request or job that stalls inside its transaction must not pin a connection forever.
        idle_in_transaction_session_timeout: Math.max(60000, (s.statementTimeoutMs ?? 30000) * 2),
        application_name: 'salesbrain-admin-backend',
      };
  return {
    type: 'postgres',
    url: s.url,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    entities: [ENTITY_FILES],
    migrations: [join(__dirname, '..', '..', 'migrations', '*.js')],
    logging: false,
    extra: {
      max: s.poolSize,
      // Fail fast (and answer 503) rather than queue forever when the database is gone.
      connectionTimeoutMillis: 5000,
      [PREPARED_CONTEXT_OPTION]: s.preparedContext ?? true,
      ...serverOnly,
    },
  };
}

/** Used by the TypeORM CLI (migration:generate) and by migrate-cli. */
export default new DataSource(
  buildDataSourceOptions({ url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', poolSize: 2 }),
);

/** The pg pool under an initialized data source (PostgresDriver's public `master`): for its gauges and its idle-error listener. */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}
