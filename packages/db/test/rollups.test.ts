import { ensurePartitions, rebuildRollups, runRetention, verifyRollups } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';
import { agencyWithSites, insertEvents } from './rollup-fixture.js';

// Rollups are kept indefinitely: retention drops raw events and folds the rollups' hourly per-session
// rows past the cut-off into anonymous rollup_days (totals unchanged); a later rebuild does not wipe them. Real PostgreSQL (a throwaway database).
const NOW = new Date('2026-11-15T12:30:00Z');
const db = useTestDatabase();

beforeAll(async () => {
  await ensurePartitions(db.pool, { monthsAhead: 20, now: new Date('2025-06-01T00:00:00Z') });
  await agencyWithSites(db.pool, '00000000-0000-0000-0000-00000000000b', [{ scriptId: 'ret_site' }], {
    retention_months: 3,
  });
  // One event every 20 minutes from 2026-07-01 to 2026-11-01: 3 page views and 1 click per session.
  await insertEvents(db.pool, {
    site: 'ret_site',
    from: '2026-07-01T00:00:00Z',
    minutes: 20,
    count: 3 * 24 * 123,
    visitors: 50,
    perSession: 4,
    pages: 7,
  });
});

const rolled = async () =>
  (
    await db.pool.query(
      `SELECT ((SELECT COALESCE(sum(events), 0) FROM rollup_sessions WHERE site_id = 'ret_site')
               + (SELECT COALESCE(sum(events), 0) FROM rollup_days WHERE site_id = 'ret_site' AND dim = 'total'))::int AS n`,
    )
  ).rows[0];

it('retention folds rollups past the cut-off into rollup_days, totals unchanged; a full rebuild afterwards keeps them', async () => {
  const report = await rebuildRollups(db.pool, { siteId: 'ret_site', chunkHours: 24 * 30, now: NOW });
  expect(report.coveredSince).not.toBeNull();
  expect(await verifyRollups(db.pool, 'ret_site')).toEqual({ siteId: 'ret_site', missing: 0, extra: 0 });
  const before = await rolled();
  expect(before.n).toBe(3 * 24 * 123);

  const ret = await runRetention(db.pool, { defaultMonths: 13, batchSize: 1_000, now: NOW });
  expect(ret.deletedEvents).toBeGreaterThan(0);
  // The 3-month cutoff (2026-08-15T12:30Z) is not on the hour: that hour lost part of its events.
  const { rows } = await db.pool.query(
    `SELECT min(server_timestamp) AS first FROM events WHERE site_id = 'ret_site'`,
  );
  expect(rows[0].first.toISOString()).toBe('2026-08-15T12:40:00.000Z');
  expect(await rolled()).toEqual(before);
  // Past the cut-off (the whole UTC day holding it) no hourly per-session row is left.
  expect(ret.compactedDays).toBe(46);
  const { rows: keyed } = await db.pool.query(
    `SELECT min(hour) AS first FROM rollup_sessions WHERE site_id = 'ret_site'`,
  );
  expect(keyed[0].first.toISOString()).toBe('2026-08-16T00:00:00.000Z');

  await rebuildRollups(db.pool, { siteId: 'ret_site', chunkHours: 24 * 30, now: NOW });
  // Still every event ever rolled up: hours up to 13:00 kept their rollups, later ones were rebuilt.
  expect(await rolled()).toEqual(before);
  const { rows: day } = await db.pool.query(
    `SELECT events::int AS n, compacted FROM rollup_days WHERE site_id = 'ret_site' AND dim = 'total' AND day = '2026-08-15'`,
  );
  expect(day[0]).toEqual({ n: 72, compacted: true });
});
