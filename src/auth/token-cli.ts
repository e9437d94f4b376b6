import { randomUUID } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { loadEnvFile } from '../config/env-file';
import { signToken, UUID_RE } from './jwt';
import { ORG_ROLES, TOKEN_ROLES, TokenRole } from './roles';

/** npm run token -- --role sb_admin [--org ID] [--sub ID] [--expires 12h] */
function main(): void {
  loadEnvFile();
  const args = process.argv.slice(2);
  const get = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const role = get('role') as TokenRole | undefined;
  const org = get('org');
  const sub = get('sub') ?? randomUUID();
  const fail = (msg: string) => {
    console.error(`${msg}\nusage: npm run token -- --role <${TOKEN_ROLES.join('|')}> [--org ID] [--sub ID] [--expires 12h]`);
    process.exit(2);
  };
  if (!role || !TOKEN_ROLES.includes(role)) return fail('--role is required and must be a known role');
  if (ORG_ROLES.includes(role) && !org) return fail(`--org is required for role ${role}`);
  if (org && !UUID_RE.test(org)) return fail('--org must be a uuid');
  if (!UUID_RE.test(sub)) return fail('--sub must be a uuid');
  const dataDir = process.env.DATA_DIR || '.data';
  const secretFile = join(dataDir, 'jwt-secret');
  const secret = process.env.JWT_SECRET || (existsSync(secretFile) ? readFileSync(secretFile, 'utf8').trim() : '');
  if (!secret) return fail(`no JWT_SECRET in the environment and no ${secretFile}: start the service once or set JWT_SECRET`);
  const rules = { issuer: process.env.JWT_ISSUER || null, audience: process.env.JWT_AUDIENCE || null };
  console.log(signToken(secret, { sub, role, org_id: org }, get('expires') ?? '12h', rules));
}

main();
