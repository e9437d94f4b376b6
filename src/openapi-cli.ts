import 'reflect-metadata';
import { writeFileSync } from 'fs';
import { createApp } from './app.setup';
import { buildOpenApiDocument } from './common/openapi-document';
import { loadConfig } from './config/app-config';

/**
 * `node dist/src/openapi-cli.js [file]`: the OpenAPI document, without a database: the app is
 * built in Nest's preview mode (modules and routes, no provider is instantiated). Used by
 * `npm run client:generate`.
 */
async function main(): Promise<void> {
  const config = loadConfig({ DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused', JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'error' });
  const app = await createApp(config, false, { preview: true });
  const text = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  await app.close();
  if (process.argv[2]) writeFileSync(process.argv[2], text);
  else process.stdout.write(text);
}

main().catch((err: Error) => {
  console.error(`could not build the OpenAPI document: ${err.message}`);
  process.exit(1);
});
