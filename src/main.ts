import type { Server } from 'http';
import 'reflect-metadata';
import { INestApplication, Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { signToken, tokenRules } from './auth/jwt';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { loadEnvFile } from './config/env-file';
import { Db } from './database/db.service';
import { EmbeddedDatabase, persistentSecret, startEmbeddedDatabase } from './database/embedded';
import { runMigrations } from './database/run-migrations';
import { DEMO_ORG_ID, DEMO_OWNER_ID, PLATFORM_ADMIN_ID, seedDemo } from './database/seed-demo';

/** Without DATABASE_URL: PGlite under DATA_DIR, its secrets kept there, the migrations applied. */
async function startEmbedded(env: Record<string, string | undefined>, logger: Logger): Promise<EmbeddedDatabase> {
  const dataDir = env.DATA_DIR || '.data';
  logger.log(`no DATABASE_URL: starting the embedded database (PGlite) under ${dataDir}/`);
  const embedded = await startEmbeddedDatabase(dataDir);
  env.DATABASE_URL = embedded.url;
  env.JWT_SECRET ||= persistentSecret(dataDir, 'jwt-secret');
  env.INSTANTLY_WEBHOOK_SECRET ||= persistentSecret(dataDir, 'instantly-webhook-secret');
  const applied = await runMigrations(embedded.url, true);
  logger.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema is up to date');
  return embedded;
}

/**
 * A clean stop, in order: the receivers refuse new events (503, retried by senders), the ingest
 * batcher and the workers finish what they hold, the HTTP server and the pool close, and only
 * then the embedded database, awaited, so what was committed (workers commit without waiting for
 * the WAL flush) is on disk before the process exits.
 */
function stopOnSignals(app: INestApplication, embedded: EmbeddedDatabase | null, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping`);
    void (async () => {
      let code = 0;
      try {
        await app.close();
      } catch (err) {
        code = 1;
        logger.error(`stopping the service failed: ${(err as Error).message}`);
      }
      try {
        await embedded?.stop();
      } catch (err) {
        code = 1;
        logger.error(`closing the embedded database failed: ${(err as Error).message}`);
      }
      logger.log('stopped');
      process.exit(code);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** What a newcomer needs printed: where the service and its docs are, and on the embedded database the demo's tokens. */
function banner(app: INestApplication, config: AppConfig, embedded: boolean): string {
  const address = (app.getHttpServer() as Server).address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://localhost:${port}`;
  const lines = [
    '',
    `Salesbrain admin backend listening on ${base}`,
    `Swagger UI:   ${base}/api/docs`,
    `OpenAPI JSON: ${base}/api/docs-json`,
  ];
  if (embedded) {
    const rules = tokenRules(config);
    const life = config.jwtMaxAgeSeconds && config.jwtMaxAgeSeconds < 7 * 86400 ? `${config.jwtMaxAgeSeconds}s` : '7d';
    lines.push(
      `sb_admin token:   ${signToken(config.jwtSecret, { sub: PLATFORM_ADMIN_ID, role: 'sb_admin' }, life, rules)}`,
      `demo owner token: ${signToken(config.jwtSecret, { sub: DEMO_OWNER_ID, role: 'owner', org_id: DEMO_ORG_ID }, life, rules)}`,
      `Instantly webhook secret (x-webhook-secret): ${config.webhookSecrets.instantly}`,
      `more tokens: npm run token -- --role member --org ${DEMO_ORG_ID}`,
    );
  }
  return lines.join('\n') + '\n';
}

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  loadEnvFile();
  const env: Record<string, string | undefined> = { ...process.env };
  const embedded = env.DATABASE_URL ? null : await startEmbedded(env, logger);

  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`invalid configuration: ${err.message}`);
      await embedded?.stop();
      process.exit(1);
    }
    throw err;
  }

  const app = await createApp(config, embedded !== null);
  if (embedded) {
    const seeded = await seedDemo(app.get(Db));
    if (seeded) logger.log('seeded the demo organization');
  }
  stopOnSignals(app, embedded, logger);
  await app.listen(config.port, config.host);
  console.log(banner(app, config, embedded !== null));
}

bootstrap().catch((err: Error) => {
  console.error(`start-up failed: ${err.message}`);
  process.exit(1);
});
