import { existsSync, readFileSync } from 'fs';
import { parseEnv } from 'util';

/**
 * Reads `.env` in the working directory, if there is one, into the environment (Node's own .env
 * parser). A variable already set in the environment wins over the file, so an operator's export or
 * a container's environment is never overridden by a file left in the folder.
 */
export function loadEnvFile(path = '.env', env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(path)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
}
