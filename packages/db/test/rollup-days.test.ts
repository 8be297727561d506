import {
  compactBefore,
  compactHours,
  freezeDays,
  freezeRecentDays,
  rebuildRollups,
  verifyRollups,
} from '@beacon/db';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { agencyWithSites } from './rollup-fixture.js';

// Anonymous per-day aggregates and compaction (docs/rollups.md), on real PostgreSQL with the hll
// extension (installed by .ci/run). The reference is computed from raw events in SQL per local day.
const TZ = 'Europe/Berlin';
const SITE = 'days_site';
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await agencyWithSites(db.pool, '00000000-0000-0000-0000-0000000000d1', [
    { scriptId: SITE, config: { timezone: TZ } },
    { scriptId: 'other_site' },
  ]);
  // 2026-10-20 .. 2026-10-30 (the DST change of 2026-10-25 inside): an event every 7 minutes,
  // sessions of 5 events (35 minutes, some crossing local midnight), 300 visitors spread over days,
  // 3 countries, 11 pages, a custom event, some bots and events without client or session.
  for (const site of [SITE, 'other_site']) {
    await db.pool.query(
      `
    INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, country,
                        visitor_type, time_on_page)
    SELECT gen_random_uuid(), $1, CASE WHEN i % 6 = 5 THEN 'signup' ELSE 'page_view' END,
           timestamptz '2026-10-20 00:00Z' + i * interval '7 minutes',
           CASE WHEN i % 97 = 0 THEN NULL ELSE 'c' || ((i / 5) * 7919 % 300) END,
           CASE WHEN i % 89 = 0 THEN NULL ELSE 's' || (i / 5) END,
           '/p' || (i % 11), (ARRAY['DE', 'FR', NULL])[1 + (i / 5) % 3],
           CASE WHEN i % 29 = 0 THEN 'bot' ELSE 'human' END, i % 40
    FROM generate_series(0, 10 * 24 * 60 / 7) i`,
      [site],
    );
    await rebuildRollups(db.pool, { siteId: site, now: new Date('2026-11-01T00:00:00Z') });
  }
});
afterAll(async () => {
  await db.drop();
});

/** Per local day from raw events: what a 'total' row must hold. */
const rawDays = async (site = SITE) =>
  (
    await db.pool.query(
      `
  WITH ev AS (
    SELECT (server_timestamp AT TIME ZONE $2)::date AS day, * FROM events
    WHERE site_id = $1 AND visitor_type IS DISTINCT FROM 'bot'
  ), ps AS (
    SELECT day, session_id, count(*) FILTER (WHERE event_name = 'page_view') AS pv,
           extract(epoch FROM max(server_timestamp) - min(server_timestamp)) AS d
    FROM ev WHERE session_id IS NOT NULL GROUP BY day, session_id
  )
  SELECT to_char(ev.day, 'YYYY-MM-DD') AS day, count(DISTINCT client_id)::int AS visitors,
         count(DISTINCT session_id)::int AS sessions,
         (count(*) FILTER (WHERE event_name = 'page_view'))::int AS page_views, count(*)::int AS events,
         (SELECT count(*) FILTER (WHERE pv = 1) FROM ps WHERE ps.day = ev.day)::int AS bounced,
         (SELECT count(*) FILTER (WHERE pv >= 1) FROM ps WHERE ps.day = ev.day)::int AS viewing,
         (SELECT sum(d) FROM ps WHERE ps.day = ev.day)::float8 AS duration_sum
  FROM ev GROUP BY ev.day ORDER BY ev.day`,
      [site, TZ],
    )
  ).rows;

const frozenTotals = async (site = SITE) =>
  (
    await db.pool.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, visitors, sessions, page_views::int, events::int, bounced, viewing,
              duration_sum::float8
       FROM rollup_days WHERE site_id = $1 AND dim = 'total' AND events > 0 ORDER BY day`,
      [site],
    )
  ).rows;

/** Every rollup_days row except bookkeeping, for before/after comparisons. */
const allDays = async (site = SITE) =>
  (
    await db.pool.query(
      `SELECT day::text, dim, value, visitors, sessions, page_views::int, events::int, bounced, viewing,
              duration_sum::float8, round(hll_cardinality(visitors_hll))::int AS est
       FROM rollup_days WHERE site_id = $1 ORDER BY day, dim, value NULLS FIRST`,
      [site],
    )
  ).rows;

it('freezes local days (DST day included) with exact counts equal to raw events, per dimension too', async () => {
  const r = await freezeDays(
    db.pool,
    SITE,
    new Date('2026-10-19T22:00:00Z'),
    new Date('2026-10-30T23:00:00Z'),
  );
  expect(r).toMatchObject({ tz: TZ, fromDay: '2026-10-20', toDay: '2026-10-31', sketches: true });
  const raw = await rawDays();
  expect(raw.length).toBe(11);
  expect(await frozenTotals()).toEqual(raw);
  const { rows: dst } = await db.pool.query(
    `SELECT extract(epoch FROM ends_at - starts_at) / 3600 AS h FROM rollup_days
     WHERE site_id = $1 AND dim = 'total' AND day = '2026-10-25'`,
    [SITE],
  );
  expect(Number(dst[0].h)).toBe(25);
  // Countries and pages per day, exact.
  const { rows: diff } = await db.pool.query(
    `
    WITH ev AS (SELECT (server_timestamp AT TIME ZONE $2)::date AS day, * FROM events
                WHERE site_id = $1 AND visitor_type IS DISTINCT FROM 'bot'),
    ref AS (
      SELECT day, 'country' AS dim, country::text AS value, count(DISTINCT client_id)::int AS visitors,
             count(DISTINCT session_id)::int AS sessions, count(*)::int AS events FROM ev GROUP BY day, country
      UNION ALL
      SELECT day, 'page', page_path, count(DISTINCT client_id)::int, count(DISTINCT session_id)::int, count(*)::int
      FROM ev WHERE event_name = 'page_view' GROUP BY day, page_path
      UNION ALL
      SELECT day, 'event', event_name::text, count(DISTINCT client_id)::int, count(DISTINCT session_id)::int, count(*)::int
      FROM ev WHERE event_name <> 'page_view' GROUP BY day, event_name
    ), got AS (
      SELECT day, dim, value, visitors, sessions, events::int FROM rollup_days
      WHERE site_id = $1 AND dim IN ('country', 'page', 'event')
    )
    SELECT count(*)::int AS n FROM ((SELECT * FROM ref EXCEPT ALL SELECT * FROM got)
                                    UNION ALL (SELECT * FROM got EXCEPT ALL SELECT * FROM ref)) x`,
    [SITE, TZ],
  );
  expect(diff[0].n).toBe(0);
  // Freezing again changes nothing.
  const before = await allDays();
  await freezeDays(db.pool, SITE, new Date('2026-10-19T22:00:00Z'), new Date('2026-10-30T23:00:00Z'));
  expect(await allDays()).toEqual(before);
});

it('estimates distinct visitors over several days from the sketches within the documented bound', async () => {
  const { rows } = await db.pool.query(
    `SELECT (SELECT hll_cardinality(hll_union_agg(visitors_hll)) FROM rollup_days
             WHERE site_id = $1 AND dim = 'total') AS est,
            (SELECT count(DISTINCT client_id) FROM events WHERE site_id = $1 AND visitor_type <> 'bot') AS exact,
            (SELECT sum(visitors) FROM rollup_days WHERE site_id = $1 AND dim = 'total') AS summed`,
    [SITE],
  );
  const est = Number(rows[0].est);
  const exact = Number(rows[0].exact);
  expect(Number(rows[0].summed)).toBeGreaterThan(exact); // days do not add up: the sketch is needed
  expect(Math.abs(est - exact) / exact).toBeLessThan(0.05);
});

it('compaction keeps every period total, leaves no per-person key of those days, and touches nothing else', async () => {
  const before = await allDays();
  const otherBefore = await db.pool.query(
    `SELECT count(*)::int AS n FROM rollup_sessions WHERE site_id = 'other_site'`,
  );
  // Retention's cut-off inside 2026-10-24 (local): every day up to and including that one is folded.
  const r = await compactBefore(db.pool, SITE, new Date('2026-10-24T10:30:00Z'));
  expect(r).toMatchObject({ fromDay: '2026-10-20', toDay: '2026-10-25' });
  expect(r!.deletedSessions).toBeGreaterThan(0);
  expect(r!.deletedNames).toBeGreaterThan(0);
  expect(await allDays()).toEqual(before);
  const { rows: left } = await db.pool.query(
    `SELECT (SELECT count(*) FROM rollup_sessions WHERE site_id = $1 AND hour < '2026-10-24T22:00Z')::int AS s,
            (SELECT count(*) FROM rollup_names WHERE site_id = $1 AND hour < '2026-10-24T22:00Z')::int AS n,
            (SELECT count(*) FROM rollup_sessions WHERE site_id = $1 AND hour >= '2026-10-24T22:00Z')::int AS later`,
    [SITE],
  );
  expect(left[0]).toMatchObject({ s: 0, n: 0 });
  expect(left[0].later).toBeGreaterThan(0);
  expect(
    (await db.pool.query(`SELECT count(*)::int AS n FROM rollup_sessions WHERE site_id = 'other_site'`)).rows,
  ).toEqual(otherBefore.rows);
  // rollup_days has no column that could hold a visitor or session key.
  const { rows: cols } = await db.pool.query(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'rollup_days' AND column_name ~ '(client|session|visitor)_(id|key)'`,
  );
  expect(cols).toEqual([]);
  // Sketches never use hll's EXPLICIT representation (a list of the hashed keys themselves).
  const { rows: explicit } = await db.pool.query(
    `SELECT count(*)::int AS n FROM rollup_days WHERE hll_print(visitors_hll)::text LIKE 'EXPLICIT%' OR hll_print(sessions_hll)::text LIKE 'EXPLICIT%'`,
  );
  expect(explicit[0].n).toBe(0);

  // An erased person's hours (one hour on 2026-10-27): that whole local day is folded at once.
  const e = await compactHours(
    db.pool,
    SITE,
    new Date('2026-10-27T09:00:00Z'),
    new Date('2026-10-27T10:00:00Z'),
  );
  expect(e).toMatchObject({ fromDay: '2026-10-27', toDay: '2026-10-28' });
  expect(await allDays()).toEqual(before);
  const { rows: day } = await db.pool.query(
    `SELECT count(*)::int AS n FROM rollup_sessions WHERE site_id = $1 AND hour >= '2026-10-26T23:00Z' AND hour < '2026-10-27T23:00Z'`,
    [SITE],
  );
  expect(day[0].n).toBe(0);

  // A rebuild does not roll compacted days up again (they would count twice), and verify agrees.
  await rebuildRollups(db.pool, { siteId: SITE, now: new Date('2026-11-01T00:00:00Z') });
  expect(await verifyRollups(db.pool, SITE)).toEqual({ siteId: SITE, missing: 0, extra: 0 });
  await freezeDays(db.pool, SITE, new Date('2026-10-19T22:00:00Z'), new Date('2026-10-30T23:00:00Z'));
  expect(await allDays()).toEqual(before);
});

it('a late event for a compacted day is added on top at the next fold, the day marked inexact', async () => {
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, visitor_type)
     VALUES (gen_random_uuid(), $1, 'page_view', '2026-10-21T12:00:00Z', 'late-visitor', 'late-session', '/late', 'human')`,
    [SITE],
  );
  await db.pool.query(
    `INSERT INTO rollup_sessions (site_id, hour, session_key, visitor_key, dims_key, page_views, events, engagement_time, first_at, last_at)
     VALUES ($1, '2026-10-21T12:00:00Z', 42, 43, 0, 1, 1, 0, '2026-10-21T12:00:00Z', '2026-10-21T12:00:00Z')`,
    [SITE],
  );
  const { rows: was } = await db.pool.query(
    `SELECT visitors, events::int FROM rollup_days WHERE site_id = $1 AND dim = 'total' AND day = '2026-10-21'`,
    [SITE],
  );
  const r = await freezeDays(
    db.pool,
    SITE,
    new Date('2026-10-21T00:00:00Z'),
    new Date('2026-10-21T01:00:00Z'),
  );
  expect(r.deletedSessions).toBe(1);
  const { rows: now } = await db.pool.query(
    `SELECT visitors, events::int, exact, compacted FROM rollup_days WHERE site_id = $1 AND dim = 'total' AND day = '2026-10-21'`,
    [SITE],
  );
  expect(now[0]).toEqual({
    visitors: was[0].visitors + 1,
    events: was[0].events + 1,
    exact: false,
    compacted: true,
  });
});

describe('without the hll extension', () => {
  let plain: TestDatabase;
  beforeAll(async () => {
    plain = await createTestDatabase();
    // What migration 0130 leaves where the extension is missing: no sketch columns.
    await plain.pool.query(`ALTER TABLE rollup_days DROP COLUMN visitors_hll, DROP COLUMN sessions_hll`);
    await plain.pool.query(`
      INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, visitor_type)
      SELECT gen_random_uuid(), 'plain', 'page_view', timestamptz '2026-10-20 00:00Z' + i * interval '13 minutes',
             'c' || (i % 40), 's' || (i / 3), '/p' || (i % 5), 'human'
      FROM generate_series(0, 3 * 24 * 60 / 13) i`);
    await rebuildRollups(plain.pool, { siteId: 'plain', now: new Date('2026-11-01T00:00:00Z') });
  });
  afterAll(async () => {
    await plain.drop();
  });

  it('freezes and compacts with exact per-day counts and no sketches; upkeep freezes the last complete days', async () => {
    const recent = await freezeRecentDays(plain.pool, { now: new Date('2026-10-22T10:00:00Z'), days: 2 });
    expect(recent.map((r) => [r.siteId, r.fromDay, r.toDay, r.sketches])).toEqual([
      ['plain', '2026-10-20', '2026-10-22', false],
    ]);
    const r = await compactHours(
      plain.pool,
      'plain',
      new Date('2026-10-20T00:00:00Z'),
      new Date('2026-10-23T00:00:00Z'),
    );
    expect(r.deletedSessions).toBeGreaterThan(0);
    const { rows } = await plain.pool.query(
      `SELECT day::text, visitors, events::int FROM rollup_days WHERE site_id = 'plain' AND dim = 'total' ORDER BY day`,
    );
    const { rows: raw } = await plain.pool.query(
      `SELECT (server_timestamp AT TIME ZONE 'UTC')::date::text AS day, count(DISTINCT client_id)::int AS visitors,
              count(*)::int AS events FROM events WHERE site_id = 'plain' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual(raw);
    expect((await plain.pool.query(`SELECT count(*)::int AS n FROM rollup_sessions`)).rows[0].n).toBe(0);
  });
});
