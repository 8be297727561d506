import { isTimeZone, localDayIn, tzOffsetMinutes } from '../src/time-zones.js';

// One formatter per zone is cached: answers must stay those of the zone and the instant asked,
// whichever zone was asked before (a cache keyed wrongly would answer Paris for Kolkata).
describe('time zones', () => {
  test('valid IANA names and aliases are zones; anything else is not', () => {
    for (const tz of ['UTC', 'Europe/Paris', 'America/St_Johns', 'Asia/Kolkata', 'US/Eastern'])
      expect(isTimeZone(tz)).toBe(true);
    for (const tz of ['Europe/Parsi', 'Mars/Olympus', '', '+02:00x']) expect(isTimeZone(tz)).toBe(false);
    // Asking again answers the same (an invalid name is never cached as valid).
    expect(isTimeZone('Europe/Parsi')).toBe(false);
  });

  test('offsets at an instant, daylight saving and half hours included', () => {
    const winter = Date.parse('2026-01-15T12:00:00Z');
    const summer = Date.parse('2026-07-15T12:00:00Z');
    const cases: [string, number, number][] = [
      ['Europe/Paris', winter, 60],
      ['Europe/Paris', summer, 120],
      ['America/New_York', winter, -300],
      ['America/New_York', summer, -240],
      ['Asia/Kolkata', summer, 330],
      ['America/St_Johns', winter, -210],
      ['America/St_Johns', summer, -150],
      ['UTC', summer, 0],
    ];
    for (const [tz, at, minutes] of cases)
      expect([tz, at, tzOffsetMinutes(tz, at)]).toEqual([tz, at, minutes]);
    // The switch itself: Paris moves to summer time at 01:00 UTC on the last Sunday of March.
    expect(tzOffsetMinutes('Europe/Paris', Date.parse('2026-03-29T00:59:00Z'))).toBe(60);
    expect(tzOffsetMinutes('Europe/Paris', Date.parse('2026-03-29T01:00:00Z'))).toBe(120);
  });

  test('the local day of an instant, on both sides of local midnight', () => {
    const at = Date.parse('2026-12-02T23:30:00Z');
    expect(localDayIn('UTC', at)).toBe('2026-12-02');
    expect(localDayIn('Europe/Paris', at)).toBe('2026-12-03');
    expect(localDayIn('America/Los_Angeles', at)).toBe('2026-12-02');
    expect(localDayIn('Pacific/Kiritimati', new Date(at))).toBe('2026-12-03');
    expect(localDayIn('Pacific/Pago_Pago', Date.parse('2026-12-03T10:59:00Z'))).toBe('2026-12-02');
  });
});
