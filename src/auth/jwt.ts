import { createSecretKey, KeyObject } from 'crypto';
import jwt from 'jsonwebtoken';
import { Caller, ORG_ROLES, TOKEN_ROLES, TokenRole } from './roles';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class InvalidTokenError extends Error {}

export function signToken(secret: string, claims: { sub: string; role: TokenRole; org_id?: string | null }, expiresIn = '12h'): string {
  const payload: Record<string, unknown> = { sub: claims.sub, role: claims.role };
  if (claims.org_id) payload.org_id = claims.org_id;
  return jwt.sign(payload, secret, { algorithm: 'HS256', expiresIn: expiresIn as jwt.SignOptions['expiresIn'] });
}

// jsonwebtoken turns a string secret into a KeyObject on every call, which costs more than the
// HMAC itself; build it once per secret.
const keys = new Map<string, KeyObject>();
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

/** Verifies signature, algorithm and expiry, then the contract's claim rules. */
export function verifyToken(secret: string, token: string): Caller {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, keyFor(secret), { algorithms: ['HS256'] });
  } catch (err) {
    throw new InvalidTokenError(err instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token');
  }
  if (typeof payload !== 'object' || payload === null) throw new InvalidTokenError('invalid token');
  if (payload.exp === undefined) throw new InvalidTokenError('token has no expiry');
  const { sub, role, org_id: orgId } = payload as { sub?: unknown; role?: unknown; org_id?: unknown };
  if (typeof sub !== 'string' || !UUID_RE.test(sub)) throw new InvalidTokenError('token subject must be a uuid');
  if (typeof role !== 'string' || !(TOKEN_ROLES as readonly string[]).includes(role)) {
    throw new InvalidTokenError('unknown role in token');
  }
  if (orgId !== undefined && orgId !== null && (typeof orgId !== 'string' || !UUID_RE.test(orgId))) {
    throw new InvalidTokenError('token org_id must be a uuid');
  }
  if ((ORG_ROLES as readonly string[]).includes(role) && !orgId) {
    throw new InvalidTokenError('organization role without org_id');
  }
  return { userId: sub.toLowerCase(), role: role as TokenRole, orgId: orgId ? (orgId as string).toLowerCase() : null };
}
