import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { signToken } from './auth/jwt';
import { ConfigError, loadConfig } from './config/app-config';
import { Db } from './database/db.service';
import { EmbeddedDatabase, persistentSecret, startEmbeddedDatabase } from './database/embedded';
import { runMigrations } from './database/run-migrations';
import { DEMO_ORG_ID, DEMO_OWNER_ID, PLATFORM_ADMIN_ID, seedDemo } from './database/seed-demo';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  const env: Record<string, string | undefined> = { ...process.env };
  let embedded: EmbeddedDatabase | null = null;

  if (!env.DATABASE_URL) {
    const dataDir = env.DATA_DIR || '.data';
    logger.log(`no DATABASE_URL: starting the embedded database (PGlite) under ${dataDir}/`);
    embedded = await startEmbeddedDatabase(dataDir);
    env.DATABASE_URL = embedded.url;
    env.JWT_SECRET ||= persistentSecret(dataDir, 'jwt-secret');
    env.INSTANTLY_WEBHOOK_SECRET ||= persistentSecret(dataDir, 'instantly-webhook-secret');
    const applied = await runMigrations(embedded.url, true);
    logger.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema is up to date');
  }

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
    const db = embedded;
    app.getHttpServer().on('close', () => void db.stop());
  }
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://localhost:${port}`;
  const lines = [
    '',
    `Salesbrain admin backend listening on ${base}`,
    `Swagger UI:   ${base}/api/docs`,
    `OpenAPI JSON: ${base}/api/docs-json`,
  ];
  if (embedded) {
    lines.push(
      `sb_admin token:   ${signToken(config.jwtSecret, { sub: PLATFORM_ADMIN_ID, role: 'sb_admin' }, '7d')}`,
      `demo owner token: ${signToken(config.jwtSecret, { sub: DEMO_OWNER_ID, role: 'owner', org_id: DEMO_ORG_ID }, '7d')}`,
      `Instantly webhook secret (x-webhook-secret): ${config.webhookSecrets.instantly}`,
      `more tokens: npm run token -- --role member --org ${DEMO_ORG_ID}`,
    );
  }
  console.log(lines.join('\n') + '\n');
}

bootstrap().catch((err: Error) => {
  console.error(`start-up failed: ${err.message}`);
  process.exit(1);
});
