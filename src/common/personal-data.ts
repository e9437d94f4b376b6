import { createHmac } from 'crypto';

/** What an erased personal value becomes, in logs' payloads and texts (migration PrivacyErasure). */
export const ERASED_MARKER = '[erased]';

/** The form an email is compared and hashed in: trimmed, lower case (contacts and logs are matched case-insensitively). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The keyed hash (HMAC-SHA256, hex) that stands for an email wherever it must not be kept in clear:
 * the suppression list, the activity log, log lines. Without the key it cannot be reversed by
 * hashing candidate addresses.
 */
export function emailHash(key: string, email: string): string {
  return createHmac('sha256', key).update(normalizeEmail(email), 'utf8').digest('hex');
}

/** A PostgreSQL regular expression that matches the email literally (for regexp_replace with 'gi'). */
export function literalPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The transaction-level advisory lock an erasure and the processing of an event carrying the same
 * email both take first (before any row lock), so that one waits for the other (src/privacy).
 */
export function subjectLockKey(hash: string): string {
  return `privacy:${hash}`;
}
