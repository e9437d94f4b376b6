import { createHash, timingSafeEqual } from 'crypto';

/**
 * Constant-time comparison of a presented secret with the configured one. Both sides are hashed
 * first so that the comparison takes the same time whatever the presented length.
 */
export function secretMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 1024) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
