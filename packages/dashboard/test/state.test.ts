import { intervalOf, previousPeriod, readView, statsQuery, today } from '../src/state.js';

// The view kept in the URL (range, comparison, filters) and the requests built from it.

const q = (s: string) => new URLSearchParams(s);

test('preset ranges end today in the site timezone; the default is 30 days', () => {
  const end = today('UTC');
  const days = (v: { from: string; to: string }) => (Date.parse(v.to) - Date.parse(v.from)) / 86_400_000 + 1;
  expect(readView(q(''), 'UTC')).toMatchObject({ range: '30d', to: end, compare: false, filters: [] });
  expect(days(readView(q(''), 'UTC'))).toBe(30);
  expect(days(readView(q('range=7d'), 'UTC'))).toBe(7);
  expect(readView(q('range=today'), 'UTC')).toMatchObject({ from: end, to: end });
  expect(days(readView(q('range=90d'), 'UTC'))).toBe(90);
  // Kiritimati (UTC+14) is 25 hours ahead of Pago Pago (UTC-11): always a later date.
  expect(today('Pacific/Kiritimati') > today('Pacific/Pago_Pago')).toBe(true);
  expect(today('Not/AZone')).toBe(new Date().toISOString().slice(0, 10));
});

test('custom ranges: swapped bounds are put in order; a broken one falls back to 30 days', () => {
  expect(readView(q('range=custom&from=2026-02-10&to=2026-02-01'), 'UTC')).toMatchObject({
    range: 'custom',
    from: '2026-02-01',
    to: '2026-02-10',
  });
  expect(readView(q('range=custom&from=2026-02-01&to=nope'), 'UTC').range).toBe('30d');
  expect(readView(q('range=bogus'), 'UTC').range).toBe('30d');
});

test('only known filters are read, repeated values are kept, and requests carry them', () => {
  const v = readView(
    q('range=custom&from=2026-03-01&to=2026-03-07&country=DE&country=FR&evil=1&compare=1'),
    'UTC',
  );
  expect(v.filters).toEqual([
    ['country', 'DE'],
    ['country', 'FR'],
  ]);
  expect(v.compare).toBe(true);
  expect(statsQuery(v, { limit: 10 })).toBe('from=2026-03-01&to=2026-03-07&country=DE&country=FR&limit=10');
  expect(previousPeriod(v)).toEqual({ from: '2026-02-22', to: '2026-02-28' });
  expect(intervalOf(v)).toBe('day');
  expect(intervalOf(readView(q('range=today'), 'UTC'))).toBe('hour');
  expect(intervalOf(readView(q('range=custom&from=2025-01-01&to=2025-12-31'), 'UTC'))).toBe('week');
});
