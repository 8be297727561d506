import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR, ensurePartitions, rebuildRollups, rollupSql, verifyRollups } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

// The tracker's internal events (engagement, identify) are not counted as events, neither in rollups
// written from now on nor, after migration 0090, in rollups written before. Real PostgreSQL.
const db = useTestDatabase();
const SITE = 'int_site';

beforeAll(async () => {
  await ensurePartitions(db.pool, { monthsAhead: 2, now: new Date('2026-05-01T00:00:00Z') });
  // 40 sessions: page_view, engagement, signup, identify, page_view; half of them from google.
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, visitor_type, referrer_domain, country)
     SELECT gen_random_uuid(), $1, (ARRAY['page_view','engagement','signup','identify','page_view'])[i % 5 + 1],
            timestamptz '2026-05-02 00:00Z' + i * interval '7 minutes', 'c' || (i / 5 % 13), 's' || (i / 5),
            '/p' || (i % 3), 'human', CASE WHEN i / 5 % 2 = 0 THEN 'google.com' END, 'DE'
     FROM generate_series(0, 199) i`,
    [SITE],
  );
});

const counts = async () =>
  (
    await db.pool.query(
      `SELECT (SELECT sum(events)::int FROM rollup_sessions WHERE site_id = $1) AS events,
              (SELECT count(*)::int FROM rollup_names WHERE site_id = $1 AND kind = 2 AND name IN ('engagement', 'identify')) AS internal_names`,
      [SITE],
    )
  ).rows[0];

it('rollups count page views and custom events, not engagement or identify', async () => {
  await rebuildRollups(db.pool, { siteId: SITE, chunkHours: 24 });
  expect(await counts()).toEqual({ events: 120, internal_names: 0 });
  expect(await verifyRollups(db.pool, SITE)).toEqual({ siteId: SITE, missing: 0, extra: 0 });
});

it('migration 0090 takes internal events out of rollups written by the earlier rule', async () => {
  // Roll up as the writer did before 0090: every event counted, internal names kept.
  const before = rollupSql
    .applyRollups(`SELECT * FROM events WHERE site_id = '${SITE}'`, false)
    .replace(/count\(\*\) FILTER \(WHERE ev\.event_name NOT IN \([^)]*\)\)/, 'count(*)')
    .replace(/\n\s*WHERE ev\.event_name NOT IN \([^)]*\)\) x/, ') x');
  expect(before).not.toMatch(/NOT IN/);
  await db.pool.query(`DELETE FROM rollup_sessions WHERE site_id = $1`, [SITE]);
  await db.pool.query(`DELETE FROM rollup_names WHERE site_id = $1`, [SITE]);
  await db.pool.query(before);
  expect(await counts()).toEqual({ events: 200, internal_names: 80 });
  expect((await verifyRollups(db.pool, SITE)).missing).toBeGreaterThan(0);

  const sql = readFileSync(path.join(MIGRATIONS_DIR, '0090_rollups_count_no_internal_events.sql'), 'utf8');
  await db.pool.query(sql);
  expect(await counts()).toEqual({ events: 120, internal_names: 0 });
  expect(await verifyRollups(db.pool, SITE)).toEqual({ siteId: SITE, missing: 0, extra: 0 });
});
