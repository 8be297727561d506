import { anonymizeRollupsBefore, ensurePartitions, rebuildRollups, runRetention } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';
import { agencyWithSites, insertEvents } from './rollup-fixture.js';

// Past its agency's retention, a month of rollups keeps every count but no per-person key: the retention
// job re-keys each such month once with a salt that is never stored. Real PostgreSQL.
const NOW = new Date('2026-11-15T12:30:00Z');
const db = useTestDatabase();
const CLIENTS = Array.from({ length: 40 }, (_, i) => `c${i}`);

beforeAll(async () => {
  await ensurePartitions(db.pool, { monthsAhead: 8, now: new Date('2026-04-01T00:00:00Z') });
  await agencyWithSites(db.pool, '00000000-0000-0000-0000-0000000000c1', [{ scriptId: 'anon_site' }], {
    retention_months: 3,
  });
  // Every 50 minutes from April to November: 40 visitors returning across days and months.
  await insertEvents(db.pool, {
    site: 'anon_site',
    from: '2026-04-01T00:00:00Z',
    minutes: 50,
    count: 6501,
    visitors: 40,
    perSession: 3,
    pages: 5,
  });
  await rebuildRollups(db.pool, { siteId: 'anon_site', chunkHours: 24 * 31, now: NOW });
});

/** Per UTC day or month: events, page views, distinct visitors and sessions, name counts (what dashboards show). */
async function totals(unit: 'day' | 'month') {
  const { rows } = await db.pool.query(
    `SELECT date_trunc($1, hour, 'UTC') AS p, sum(events)::int AS events, sum(page_views)::int AS pv,
            count(DISTINCT visitor_key)::int AS visitors, count(DISTINCT session_key)::int AS sessions
     FROM rollup_sessions WHERE site_id = 'anon_site' GROUP BY 1 ORDER BY 1`,
    [unit],
  );
  const names = await db.pool.query(
    `SELECT date_trunc($1, hour, 'UTC') AS p, name, sum(count)::int AS n, count(DISTINCT visitor_key)::int AS visitors
     FROM rollup_names WHERE site_id = 'anon_site' GROUP BY 1, 2 ORDER BY 1, 2`,
    [unit],
  );
  return { sessions: rows, names: names.rows };
}

const keyed = async (before: boolean) =>
  (
    await db.pool.query(
      `SELECT count(*)::int AS n FROM rollup_sessions
       WHERE site_id = 'anon_site' AND visitor_key IN (SELECT hashtextextended(c, 0) FROM unnest($1::text[]) c)
         AND ((hour < '2026-08-01') = $2::boolean)`,
      [CLIENTS, before],
    )
  ).rows[0].n;

it('re-keys the months wholly past retention once; every daily and monthly total stays exact', async () => {
  const days = await totals('day');
  const months = await totals('month');
  expect(await keyed(true)).toBeGreaterThan(0);

  const dry = await runRetention(db.pool, { defaultMonths: 13, batchSize: 1000, dryRun: true, now: NOW });
  // Cutoff 2026-08-15: April..July are wholly before it.
  expect(dry.anonymizedRollupMonths.map((m) => m.month)).toEqual([
    '2026-04-01T00:00:00.000Z',
    '2026-05-01T00:00:00.000Z',
    '2026-06-01T00:00:00.000Z',
    '2026-07-01T00:00:00.000Z',
  ]);
  expect(await keyed(true)).toBeGreaterThan(0);

  // The re-keying step alone (runRetention first folds those days into rollup_days: last test).
  const done = await anonymizeRollupsBefore(db.pool, ['anon_site'], new Date('2026-08-15T12:30:00Z'));
  expect(done.map((m) => ({ siteId: m.siteId, month: m.month.toISOString() }))).toEqual(
    dry.anonymizedRollupMonths,
  );
  // No row of those months can be found from a client_id any more; later months are untouched.
  expect(await keyed(true)).toBe(0);
  expect(await keyed(false)).toBeGreaterThan(0);
  // Per day and per month, every figure (distinct visitors and sessions too) is what it was.
  expect(await totals('day')).toEqual(days);
  expect(await totals('month')).toEqual(months);

  // Once: a second run finds nothing to do and changes nothing.
  const snapshot = (await db.pool.query(`SELECT * FROM rollup_sessions ORDER BY 1, 2, 3, 4, 5`)).rows;
  expect(await anonymizeRollupsBefore(db.pool, ['anon_site'], new Date('2026-08-15T12:30:00Z'))).toEqual([]);
  expect((await db.pool.query(`SELECT * FROM rollup_sessions ORDER BY 1, 2, 3, 4, 5`)).rows).toEqual(
    snapshot,
  );
  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS n FROM rollup_anonymized_months WHERE site_id = 'anon_site'`,
  );
  expect(rows[0].n).toBe(4);
});

it('across two anonymized months a returning visitor counts once per month (the documented trade-off)', async () => {
  const { rows } = await db.pool.query(
    `SELECT count(DISTINCT visitor_key)::int AS n FROM rollup_sessions
     WHERE site_id = 'anon_site' AND hour >= '2026-05-01' AND hour < '2026-07-01'`,
  );
  // 40 visitors came in both May and June: 40 + 40 instead of 40.
  expect(rows[0].n).toBe(80);
});

it('runRetention then folds the days past the cut-off into rollup_days: totals kept, no hourly key left', async () => {
  const days = await totals('day');
  await runRetention(db.pool, { defaultMonths: 13, batchSize: 1000, now: NOW });
  const { rows: left } = await db.pool.query(
    `SELECT count(*)::int AS n FROM rollup_sessions WHERE site_id = 'anon_site' AND hour < '2026-08-16'`,
  );
  expect(left[0].n).toBe(0);
  // The site has no timezone: its days are UTC days, exact per day as before.
  const { rows: frozen } = await db.pool.query(
    `SELECT starts_at AS p, events::int AS events, page_views::int AS pv, visitors, sessions
     FROM rollup_days WHERE site_id = 'anon_site' AND dim = 'total' AND events > 0 ORDER BY starts_at`,
  );
  const before = days.sessions.filter((d: { p: Date }) => d.p < new Date('2026-08-16T00:00:00Z'));
  expect(frozen).toEqual(before);
});
