import { Global, Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { buildDataSourceOptions, pgPoolOf } from './data-source';
import { Db } from './db.service';
import { assertRuntimeRoleIsSubjectToRls } from './runtime-role.check';

export const EMBEDDED = Symbol('EMBEDDED');

/**
 * The data source, through @nestjs/typeorm: each feature module registers its own entities
 * (TypeOrmModule.forFeature, autoLoadEntities), so this layer names none of them. The module
 * destroys the data source on shutdown.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG, EMBEDDED],
      useFactory: (config: AppConfig, embedded: boolean) => ({
        ...buildDataSourceOptions({
          url: config.databaseUrl,
          // PGlite is a single session: a second connection would wait on the first one's transaction.
          poolSize: embedded ? 1 : config.databasePoolSize,
          statementTimeoutMs: config.statementTimeoutMs,
          preparedContext: config.databasePreparedContext,
          embedded,
        }),
        entities: [],
        autoLoadEntities: true,
        // A database that is not there fails the start at once (the operator's supervisor restarts it).
        retryAttempts: 0,
      }),
    }),
  ],
  providers: [Db],
  exports: [Db],
})
export class DatabaseModule implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(EMBEDDED) private readonly embedded: boolean,
  ) {}

  /** Before anything uses the database: a listener for idle connections' errors, and the RLS check of the runtime role. */
  async onModuleInit(): Promise<void> {
    // pg emits 'error' on idle clients when the server goes away; without a listener the process dies.
    pgPoolOf(this.dataSource).on('error', (err: Error) => new Logger('Database').warn(`idle connection error: ${err.message}`));
    await assertRuntimeRoleIsSubjectToRls(this.dataSource, this.embedded);
  }
}
