/**
 * Dates in queries and bodies: YYYY-MM-DD, optionally with a time and an offset
 * (YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH[[:]MM]]), a real calendar day of a year 0001..9999, an
 * offset PostgreSQL takes (up to ±15:59). A time without an offset is UTC. The pattern is the whole
 * rule: the document shows it, the validation applies it, and every text it matches parses.
 */
const YEAR = '(?:[1-9]\\d{3}|0[1-9]\\d{2}|00[1-9]\\d|000[1-9])';
const MONTH_DAY = '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))';
const LEAP_DAY = '(?:\\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29';
const TIME = '(?:[T ](?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,6})?)?(?:Z|[+-](?:0\\d|1[0-5])(?::?[0-5]\\d)?)?)?';

export const CALENDAR_DATE_TIME = `^(?:${YEAR}-${MONTH_DAY}|${LEAP_DAY})${TIME}$`;

const PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(?:Z|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/** The instant a CALENDAR_DATE_TIME text names (to the millisecond). */
export function parseCalendarDateTime(value: string): Date {
  const m = PARTS.exec(value);
  if (!m) throw new RangeError(`not a calendar date: ${value}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', sign, oh = '0', om = '0'] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)));
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

/** A bare date (YYYY-MM-DD): as an upper bound it includes that whole day. */
export function isBareDate(value: string): boolean {
  return value.length === 10;
}
