import { CANONICAL_EVENT_TYPES } from '../event-types';
import { ACCOUNT_EVENTS, CAMPAIGN_STATUS_EFFECTS, contactEffectFor } from './event-effects';

describe('event effects', () => {
  it('every canonical type has a handler', () => {
    for (const t of CANONICAL_EVENT_TYPES) {
      const handled = contactEffectFor(t, 'x') !== undefined || t in CAMPAIGN_STATUS_EFFECTS || ACCOUNT_EVENTS.has(t);
      expect({ t, handled }).toEqual({ t, handled: true });
    }
  });

  it('follows the documented score table', () => {
    expect(contactEffectFor('email.opened', null)?.scoreDelta).toBe(1);
    expect(contactEffectFor('email.link_clicked', null)?.scoreDelta).toBe(3);
    expect(contactEffectFor('email.replied', null)?.scoreDelta).toBe(10);
    expect(contactEffectFor('lead.interested', null)?.scoreDelta).toBe(20);
    expect(contactEffectFor('lead.meeting_booked', null)?.scoreDelta).toBe(30);
    expect(contactEffectFor('lead.not_interested', null)?.scoreDelta).toBe(-20);
    expect(contactEffectFor('email.bounced', null)).toMatchObject({ bounced: true });
    expect(contactEffectFor('lead.unsubscribed', null)).toMatchObject({ unsubscribed: true });
    expect(contactEffectFor('lead.custom_label', 'VIP Prospect')).toEqual({ scoreDelta: 0, leadStatus: 'VIP Prospect' });
  });
});
