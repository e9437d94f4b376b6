import { CANONICAL_EVENT_TYPES, CUSTOM_LABEL, EVENT_TYPES, resolveEventType } from './event-types';

describe('event type table', () => {
  it('has the 17 roadmap types plus the four new ones, account.error and the custom label', () => {
    expect(CANONICAL_EVENT_TYPES).toHaveLength(23);
    expect(new Set(CANONICAL_EVENT_TYPES).size).toBe(23);
  });

  it('accepts both the native and the canonical name', () => {
    for (const e of EVENT_TYPES.filter((x) => x.canonical !== CUSTOM_LABEL)) {
      expect(resolveEventType(e.canonical).canonical).toBe(e.canonical);
      for (const n of e.native) expect(resolveEventType(n)).toEqual({ canonical: e.canonical, raw: n });
    }
    expect(resolveEventType('email_link_clicked').canonical).toBe('email.link_clicked');
    expect(resolveEventType('link_clicked').canonical).toBe('email.link_clicked');
  });

  it('keeps any other string as a custom label', () => {
    expect(resolveEventType('Hot Lead 🔥')).toEqual({ canonical: CUSTOM_LABEL, raw: 'Hot Lead 🔥' });
    expect(resolveEventType(CUSTOM_LABEL).canonical).toBe(CUSTOM_LABEL);
  });
});
