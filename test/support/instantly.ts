import { randomUUID } from 'crypto';

/** An Instantly webhook body as Instantly sends it: nulls, extra lead fields at top level. */
export function instantlyPayload(eventType: string, workspace: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: new Date().toISOString(),
    event_type: eventType,
    workspace,
    campaign_id: 'c0ffee00-0000-4000-8000-000000000001',
    campaign_name: 'Outbound Q4',
    lead_email: 'Lea.Lead@Prospect.example',
    email_account: 'sender@salesbrain-outbound.example',
    step: 1,
    variant: 1,
    is_first: true,
    email_id: randomUUID(),
    unibox_url: null,
    reply_text_snippet: null,
    reply_subject: null,
    firstName: 'Lea',
    lastName: 'Lead',
    companyName: 'Prospect GmbH',
    website: null,
    phone: null,
    personalization: 'Saw your talk at SaaStr',
    custom_field_industry: 'Software',
    ...extra,
  };
}
