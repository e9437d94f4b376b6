/**
 * What each canonical event does to the CRM. Lead score moves (documented in the README):
 *
 * | event                   | score | other effect                      |
 * |-------------------------|-------|-----------------------------------|
 * | email.sent              |    0  | emails_sent + 1                   |
 * | email.opened            |   +1  | opens + 1                         |
 * | email.link_clicked      |   +3  | clicks + 1                        |
 * | email.replied           |  +10  | replies + 1, lead_status replied  |
 * | email.auto_replied      |    0  |                                   |
 * | email.bounced           |  -10  | bounced, lead_status bounced      |
 * | lead.unsubscribed       |  -30  | unsubscribed                      |
 * | lead.interested         |  +20  | lead_status                       |
 * | lead.interested_maybe   |  +10  | lead_status                       |
 * | lead.meeting_booked     |  +30  | lead_status                       |
 * | lead.meeting_completed  |  +20  | lead_status                       |
 * | lead.meeting_cancelled  |  -10  | lead_status                       |
 * | lead.closed             |  +50  | lead_status                       |
 * | lead.not_interested     |  -20  | lead_status                       |
 * | lead.wrong_person       |  -15  | lead_status                       |
 * | lead.no_show            |  -10  | lead_status                       |
 * | lead.neutral, lead.out_of_office | 0 | lead_status              |
 * | lead.custom_label       |    0  | lead_status = the label           |
 * | campaign.started        |   –   | campaign status active            |
 * | campaign.completed      |   –   | campaign status completed         |
 * | account.warning/error   |   –   | recorded in the activity feed     |
 */
export interface EventEffect {
  scoreDelta: number;
  leadStatus?: string;
  counter?: 'emails_sent' | 'opens' | 'clicks' | 'replies';
  bounced?: boolean;
  unsubscribed?: boolean;
}

const lead = (scoreDelta: number, leadStatus: string): EventEffect => ({ scoreDelta, leadStatus });

export const CONTACT_EFFECTS: Record<string, EventEffect> = {
  'email.sent': { scoreDelta: 0, counter: 'emails_sent' },
  'email.opened': { scoreDelta: 1, counter: 'opens' },
  'email.link_clicked': { scoreDelta: 3, counter: 'clicks' },
  'email.replied': { scoreDelta: 10, counter: 'replies', leadStatus: 'replied' },
  'email.auto_replied': { scoreDelta: 0 },
  'email.bounced': { scoreDelta: -10, bounced: true, leadStatus: 'bounced' },
  'lead.unsubscribed': { scoreDelta: -30, unsubscribed: true, leadStatus: 'unsubscribed' },
  'lead.neutral': lead(0, 'neutral'),
  'lead.interested': lead(20, 'interested'),
  'lead.interested_maybe': lead(10, 'interested_maybe'),
  'lead.not_interested': lead(-20, 'not_interested'),
  'lead.meeting_booked': lead(30, 'meeting_booked'),
  'lead.meeting_completed': lead(20, 'meeting_completed'),
  'lead.meeting_cancelled': lead(-10, 'meeting_cancelled'),
  'lead.closed': lead(50, 'closed'),
  'lead.out_of_office': lead(0, 'out_of_office'),
  'lead.wrong_person': lead(-15, 'wrong_person'),
  'lead.no_show': lead(-10, 'no_show'),
};

export const CAMPAIGN_STATUS_EFFECTS: Record<string, string> = {
  'campaign.started': 'active',
  'campaign.completed': 'completed',
};

export const ACCOUNT_EVENTS = new Set(['account.warning', 'account.error']);

/** The effect of an event on its contact, custom labels included. */
export function contactEffectFor(eventType: string, rawEventType: string | null): EventEffect | undefined {
  if (eventType === 'lead.custom_label') return { scoreDelta: 0, leadStatus: (rawEventType ?? 'custom').slice(0, 40) };
  return CONTACT_EFFECTS[eventType];
}
