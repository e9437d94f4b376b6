import { createHash } from 'crypto';
import { MAX_JSON_DEPTH, storableString } from '../common/json-limits';
import { resolveEventType, WebhookSource } from './event-types';

/** What the receiver stores, derived from the body without any database work. */
export interface IncomingWebhook {
  source: WebhookSource;
  eventType: string;
  rawEventType: string;
  dedupKey: string;
  payloadJson: string;
  workspaceId: string | null;
  instantlyCampaignId: string | null;
  campaignName: string | null;
  contactEmail: string | null;
  /** Set when an organization's own credential received the event. */
  credentialOrgId?: string | null;
}

export class PayloadError extends Error {}

/** An event type has at most this many characters (code points)... */
export const EVENT_TYPE_MAX_LENGTH = 200;
/** ...and one that is not white space (the document's pattern; JavaScript's \s is what trim() removes). */
export const EVENT_TYPE_PATTERN = '\\S';
const EVENT_TYPE_RE = new RegExp(EVENT_TYPE_PATTERN);

const str = (v: unknown, max: number): string | null => {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
  if (s === null) return null;
  const t = storableString(s.trim().slice(0, max));
  return t ? t : null;
};

/**
 * The body as jsonb text PostgreSQL accepts: U+0000 and lone UTF-16 surrogates (in keys and
 * values) become U+FFFD, so the event is still stored; nesting deeper than MAX_JSON_DEPTH is
 * refused (the body parser refuses it first). One event that jsonb would refuse must never fail
 * the batch it shares with others.
 */
function storable(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return storableString(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_JSON_DEPTH) throw new PayloadError(`the body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(v)) return v.map((x) => storable(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[storableString(k)] = storable(x, depth + 1);
  return out;
}

function serialize(body: Record<string, unknown>): string {
  return JSON.stringify(storable(body, 0));
}

/**
 * Instantly sends no event id and retries failed deliveries, so the identity of an event is a
 * hash of the fields that make it unique. Other sources may send an id; otherwise the whole body
 * is the identity.
 */
export function dedupKeyFor(source: WebhookSource, body: Record<string, unknown>, payloadJson: string): string {
  const h = createHash('sha256');
  if (source === 'instantly') {
    const f = (k: string) => (body[k] === undefined ? null : body[k]);
    h.update(
      JSON.stringify([
        f('event_type'),
        f('timestamp'),
        f('workspace'),
        f('campaign_id'),
        f('lead_email'),
        f('email_id'),
        f('step'),
        f('variant'),
      ]),
    );
  } else {
    const id = body.event_id ?? body.id;
    h.update(typeof id === 'string' || typeof id === 'number' ? `id:${id}` : `body:${payloadJson}`);
  }
  return h.digest('hex');
}

export function parseIncomingWebhook(source: WebhookSource, body: unknown): IncomingWebhook {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PayloadError('the body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.event_type !== 'string' || !EVENT_TYPE_RE.test(b.event_type)) {
    throw new PayloadError('event_type is required and must be a non-empty string');
  }
  if ([...b.event_type].length > EVENT_TYPE_MAX_LENGTH)
    throw new PayloadError(`event_type must be at most ${EVENT_TYPE_MAX_LENGTH} characters`);
  const { canonical, raw } = resolveEventType(storableString(b.event_type));
  const payloadJson = serialize(b);
  const email = str(b.lead_email ?? b.email ?? b.contact_email, 320);
  return {
    source,
    eventType: canonical,
    rawEventType: raw,
    dedupKey: dedupKeyFor(source, b, payloadJson),
    payloadJson,
    workspaceId: str(b.workspace ?? b.workspace_id, 100),
    instantlyCampaignId: source === 'instantly' ? str(b.campaign_id, 100) : null,
    campaignName: str(b.campaign_name, 300),
    contactEmail: email ? email.toLowerCase() : null,
  };
}
