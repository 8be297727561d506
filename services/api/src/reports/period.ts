import { localDayIn } from '../time-zones.js';

/** The last complete period of a report, as local days (YYYY-MM-DD, inclusive) of the site's timezone. */
export interface Period {
  start: string;
  end: string;
}

const DAY = 86_400_000;
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);

/**
 * Weekly: the last full Monday-to-Sunday week before the local today; monthly: the last full calendar
 * month. So a weekly report is due from Monday 00:00 in the site's timezone, a monthly one from the 1st.
 */
export function lastCompletePeriod(frequency: 'weekly' | 'monthly', now: Date, tz: string): Period {
  const today = localDayIn(tz, now);
  if (frequency === 'weekly') {
    const dow = (new Date(dayMs(today)).getUTCDay() + 6) % 7; // Monday 0
    const thisMonday = dayMs(today) - dow * DAY;
    return { start: ymd(thisMonday - 7 * DAY), end: ymd(thisMonday - DAY) };
  }
  const [y, m] = today.split('-').map(Number) as [number, number];
  const firstThis = Date.UTC(y, m - 1, 1);
  return { start: ymd(Date.UTC(y, m - 2, 1)), end: ymd(firstThis - DAY) };
}
