import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source';
import { Db } from './db.service';
import { assertRuntimeRoleIsSubjectToRls } from './runtime-role.check';

export const EMBEDDED = Symbol('EMBEDDED');

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [APP_CONFIG, EMBEDDED],
      useFactory: async (config: AppConfig, embedded: boolean) => {
        const dataSource = new DataSource(
          buildDataSourceOptions({
            url: config.databaseUrl,
            // PGlite is a single session: a second connection would wait on the first one's transaction.
            poolSize: embedded ? 1 : config.databasePoolSize,
            statementTimeoutMs: config.statementTimeoutMs,
            preparedContext: config.databasePreparedContext,
            embedded,
          }),
        );
        await dataSource.initialize();
        // pg emits 'error' on idle clients when the server goes away; without a listener the process dies.
        const pool = (dataSource.driver as unknown as { master?: { on(e: string, f: (err: Error) => void): void } }).master;
        pool?.on('error', (err) => new Logger('Database').warn(`idle connection error: ${err.message}`));
        await assertRuntimeRoleIsSubjectToRls(dataSource, embedded);
        return dataSource;
      },
    },
    Db,
  ],
  exports: [DataSource, Db],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
