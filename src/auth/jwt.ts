import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { UUID_RE } from '../common/uuid';
import type { AppConfig } from '../config/app-config';
import { Caller, ORG_ROLES, TOKEN_ROLES, TokenRole } from './roles';

export { UUID_RE };

export class InvalidTokenError extends Error {}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/** Optional checks beyond the signature and `exp` (JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_AGE). */
export interface TokenRules {
  issuer?: string | null;
  audience?: string | null;
  maxAgeSeconds?: number | null;
}

/** The configured token rules (JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_AGE), for verifying and signing alike. */
export function tokenRules(config: Pick<AppConfig, 'jwtIssuer' | 'jwtAudience' | 'jwtMaxAgeSeconds'>): TokenRules {
  return { issuer: config.jwtIssuer, audience: config.jwtAudience, maxAgeSeconds: config.jwtMaxAgeSeconds };
}

export function signToken(
  secret: string,
  claims: { sub: string; role: TokenRole; org_id?: string | null },
  expiresIn = '12h',
  rules: TokenRules = {},
): string {
  const payload: Record<string, unknown> = { sub: claims.sub, role: claims.role };
  if (claims.org_id) payload.org_id = claims.org_id;
  if (rules.issuer) payload.iss = rules.issuer;
  if (rules.audience) payload.aud = rules.audience;
  return createSigner({ key: secret, algorithm: 'HS256', expiresIn })(payload);
}

type Verify = (token: string) => Record<string, unknown>;

/**
 * One verifier per secret (HS256 only, `exp` required). fast-jwt caches verified tokens (bounded,
 * never past their `exp`), so a portal session that sends the same token on every request pays
 * for the HMAC and the JSON parsing once; the claim rules below still run on every call.
 */
const verifiers = new Map<string, Verify>();
function verifierFor(secret: string): Verify {
  let verify = verifiers.get(secret);
  if (!verify) {
    verify = createVerifier({ key: secret, algorithms: ['HS256'], requiredClaims: ['exp'], cache: 10_000, cacheTTL: 600_000 });
    verifiers.set(secret, verify);
  }
  return verify;
}

/** Verifies signature, algorithm and expiry, then the contract's claim rules and the configured ones. */
export function verifyToken(secret: string, token: string, rules: TokenRules = {}): Caller {
  let payload: Record<string, unknown>;
  try {
    payload = verifierFor(secret)(token);
  } catch (err) {
    if (err instanceof TokenError && err.code === TokenError.codes.expired) throw new InvalidTokenError('token expired');
    if (err instanceof TokenError && err.code === TokenError.codes.missingRequiredClaim) throw new InvalidTokenError('token has no expiry');
    throw new InvalidTokenError('invalid token');
  }
  if (typeof payload !== 'object' || payload === null) throw new InvalidTokenError('invalid token');
  if (rules.issuer && payload.iss !== rules.issuer) throw new InvalidTokenError('token issuer is not accepted');
  if (rules.audience) {
    const aud = payload.aud;
    if (!(aud === rules.audience || (Array.isArray(aud) && aud.includes(rules.audience))))
      throw new InvalidTokenError('token audience is not accepted');
  }
  if (rules.maxAgeSeconds) {
    // exp is required and numeric (fast-jwt checked it); a token without iat counts from now.
    const exp = Number(payload.exp);
    const iat = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
    if (exp - iat > rules.maxAgeSeconds) throw new InvalidTokenError('token lifetime is longer than accepted');
  }
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
  return { userId: sub.toLowerCase(), role: role as TokenRole, orgId: orgId ? orgId.toLowerCase() : null };
}
