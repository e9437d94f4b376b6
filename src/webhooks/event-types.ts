/**
 * The one table of event types. Canonical names are stored in webhook_log.event_type; Instantly's
 * native names are accepted too and kept in raw_event_type. Any other string is a workspace's
 * custom label: stored as lead.custom_label with the label in raw_event_type. No event is refused
 * for its type.
 */
export interface EventTypeInfo {
  canonical: string;
  native: string[];
  category: 'email' | 'lead' | 'campaign' | 'account';
  description: string;
}

export const EVENT_TYPES: readonly EventTypeInfo[] = [
  { canonical: 'email.sent', native: ['email_sent'], category: 'email', description: 'An email was sent' },
  { canonical: 'email.opened', native: ['email_opened'], category: 'email', description: 'An email was opened' },
  { canonical: 'email.link_clicked', native: ['link_clicked', 'email_link_clicked'], category: 'email', description: 'A link was clicked' },
  { canonical: 'email.replied', native: ['reply_received'], category: 'email', description: 'The lead replied' },
  { canonical: 'email.auto_replied', native: ['auto_reply_received'], category: 'email', description: 'An automatic reply arrived' },
  { canonical: 'email.bounced', native: ['email_bounced'], category: 'email', description: 'The email bounced' },
  { canonical: 'lead.unsubscribed', native: ['lead_unsubscribed'], category: 'lead', description: 'The lead unsubscribed' },
  { canonical: 'lead.neutral', native: ['lead_neutral'], category: 'lead', description: 'Marked neutral' },
  { canonical: 'lead.interested', native: ['lead_interested'], category: 'lead', description: 'Marked interested' },
  { canonical: 'lead.not_interested', native: ['lead_not_interested'], category: 'lead', description: 'Marked not interested' },
  { canonical: 'lead.meeting_booked', native: ['lead_meeting_booked'], category: 'lead', description: 'A meeting was booked' },
  { canonical: 'lead.meeting_completed', native: ['lead_meeting_completed'], category: 'lead', description: 'A meeting took place' },
  { canonical: 'lead.closed', native: ['lead_closed'], category: 'lead', description: 'The deal was closed' },
  { canonical: 'lead.out_of_office', native: ['lead_out_of_office'], category: 'lead', description: 'The lead is out of office' },
  { canonical: 'lead.wrong_person', native: ['lead_wrong_person'], category: 'lead', description: 'Wrong person' },
  { canonical: 'lead.no_show', native: ['lead_no_show'], category: 'lead', description: 'The lead did not show up' },
  { canonical: 'lead.meeting_cancelled', native: ['lead_meeting_cancelled'], category: 'lead', description: 'A meeting was cancelled' },
  { canonical: 'lead.interested_maybe', native: ['lead_interested_maybe'], category: 'lead', description: 'Maybe interested' },
  { canonical: 'campaign.started', native: ['campaign_started'], category: 'campaign', description: 'The campaign started' },
  { canonical: 'campaign.completed', native: ['campaign_completed'], category: 'campaign', description: 'The campaign completed' },
  { canonical: 'account.warning', native: ['account_warning'], category: 'account', description: 'A sending account warning' },
  { canonical: 'account.error', native: ['account_error'], category: 'account', description: 'A sending account error' },
  {
    canonical: 'lead.custom_label',
    native: [],
    category: 'lead',
    description: "Any other label (a workspace's custom label, kept in raw_event_type)",
  },
];

export const CUSTOM_LABEL = 'lead.custom_label';
export const CANONICAL_EVENT_TYPES: readonly string[] = EVENT_TYPES.map((e) => e.canonical);

const LOOKUP = new Map<string, string>();
for (const e of EVENT_TYPES) {
  if (e.canonical !== CUSTOM_LABEL) LOOKUP.set(e.canonical, e.canonical);
  for (const n of e.native) LOOKUP.set(n, e.canonical);
}

export interface ResolvedEventType {
  canonical: string;
  raw: string;
}

/** Maps a received type (native, canonical or custom label) to its canonical name. */
export function resolveEventType(received: string): ResolvedEventType {
  const key = received.trim();
  const canonical = LOOKUP.get(key) ?? LOOKUP.get(key.toLowerCase());
  return { canonical: canonical ?? CUSTOM_LABEL, raw: key };
}

export const WEBHOOK_SOURCES = ['instantly', 'weconnect', 'n8n', 'zapier', 'make', 'custom', 'manual', 'system'] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];
export const WEBHOOK_STATUSES = ['pending', 'processing', 'processed', 'failed', 'skipped'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];
