import { loadEnvFile } from '../config/env-file';

/**
 * `npm run migration:run` / `migration:revert` against DATABASE_URL. Run it with an owner or
 * superuser URL: the first migration creates the runtime role the service then works under.
 */
async function main(): Promise<void> {
  const command = process.argv[2];
  // .env first: the data source reads DATABASE_URL when it is loaded.
  loadEnvFile();
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL is required for migrations (the embedded database migrates itself on npm start)');
    process.exit(2);
  }
  const { default: dataSource } = await import('./data-source');
  await dataSource.initialize();
  try {
    if (command === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      console.log(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'schema is up to date');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else {
      console.error('usage: migrate-cli run|revert');
      process.exitCode = 2;
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: Error) => {
  console.error(`migration failed: ${err.message}`);
  process.exit(1);
});
