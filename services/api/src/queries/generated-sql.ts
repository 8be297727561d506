import { rollupDaysSql, rollupSql } from '@beacon/db';
import * as q from './index.js';
import type { StatsDeps, StatsSite } from './stats.js';
import { daysOverlapping } from './statements/rollup-days.js';

/**
 * The SQL the query module generates, one representative request per question, with its parameter
 * values: committed as services/api/queries.sql so that review sees the statements (not only the
 * builder), and a test fails when the builder's output changes without the file. To EXPLAIN one on a
 * real database, paste it into psql with `PREPARE s AS <sql>; EXPLAIN ANALYZE EXECUTE s(<values>)`.
 */
const site: StatsSite = {
  scriptId: 'site123',
  config: { timezone: 'Europe/Berlin' },
  agencyId: '00000000-0000-4000-8000-000000000001',
};
const R = { from: '2026-01-01', to: '2026-01-31' };
const F = { ...R, country: 'DE', device_type: ['desktop', 'tablet'] };

/**
 * What the pool answers: with 'rollup' the site's rollups cover every range, with 'days' it also has
 * frozen days for January 1-20 (the 5th compacted), so the questions read rollups / rollup_days.
 */
type Read = 'events' | 'rollup' | 'days';
const day = (d: number) => new Date(Date.UTC(2025, 11, 31, 23) + d * 86_400_000);
const frozenDays = Array.from({ length: 20 }, (_, i) => ({
  starts_at: day(i),
  ends_at: day(i + 1),
  tz: 'Europe/Berlin',
  compacted: i === 4,
}));
function answer(read: Read, text: string): unknown[] {
  if (read !== 'events' && text === rollupSql.coverageOf) return [{ since: '-infinity' }];
  if (read === 'days' && text === rollupDaysSql.sketchColumns) return [{ hll: true }];
  if (read === 'days' && text === daysOverlapping) return frozenDays;
  return [{ period: 'current' }, { period: 'previous' }];
}

type Job = [string, () => Promise<unknown>];

/** One representative request per question, answered from events. */
const eventJobs = (deps: StatsDeps): Job[] => [
  ['recent events (seed 1)', () => q.recentEvents(deps, site, q.pagedQuery.parse({ ...R }))],
  ['business visitors (seed 2)', () => q.businessVisitors(deps, site, q.pagedQuery.parse({ ...R }))],
  ['sessions by day (seed 3)', () => q.sessionsByDay(deps, site, q.statsQuery.parse({ ...R }))],
  ['top referrers (seed 4)', () => q.topReferrers(deps, site, q.pagedQuery.parse({ ...R, limit: '20' }))],
  ['UTM campaigns (seed 5)', () => q.utmCampaigns(deps, site, q.pagedQuery.parse({ ...R }))],
  ['overview, two filters', () => q.overview(deps, site, q.statsQuery.parse(F))],
  ['time series by day', () => q.timeseries(deps, site, q.timeseriesQuery.parse({ ...R, interval: 'day' }))],
  ['breakdown: pages', () => q.breakdown(deps, site, 'pages', q.breakdownQuery.parse({ ...R }))],
  ['breakdown: entry pages', () => q.breakdown(deps, site, 'entry_pages', q.breakdownQuery.parse({ ...R }))],
  [
    'custom events by property',
    () => q.eventProperties(deps, site, q.eventPropertiesQuery.parse({ ...R, event_name: 'signup' })),
  ],
  ['realtime', () => q.realtime(deps, site, q.realtimeQuery.parse({}))],
  ['sessions list', () => q.sessions(deps, site, q.pagedQuery.parse({ ...R }))],
  ["one session's events", () => q.sessionEvents(deps, site, 'sess-1', 50)],
  ['companies list', () => q.companies(deps, site, q.companiesQuery.parse({ ...R }))],
  ['one company', () => q.company(deps, site, 'acme.example', q.companyQuery.parse({ ...R }))],
  ['match rates by day', () => q.matchRates(deps, site, q.matchRatesQuery.parse({ ...R }))],
  [
    'CSV export of raw events (admin: every column)',
    async () => {
      const st = q.exportStatement(site, 'events', q.exportQuery.parse(R), 'admin');
      return deps.pool.query(st.text, st.values);
    },
  ],
];

/** The same questions answered from rollups, and (no filters, day buckets) from rollup_days. */
const rolledJobs = (rollups: StatsDeps, days: StatsDeps): Job[] => [
  ['overview from rollups, two filters', () => q.overview(rollups, site, q.statsQuery.parse(F))],
  ['overview from rollup_days', () => q.overview(days, site, q.statsQuery.parse(R))],
  [
    'time series by day from rollups, two filters',
    () => q.timeseries(rollups, site, q.timeseriesQuery.parse({ ...F, interval: 'day' })),
  ],
  [
    'time series by day from rollup_days',
    () => q.timeseries(days, site, q.timeseriesQuery.parse({ ...R, interval: 'day' })),
  ],
  [
    'breakdown: referrers from rollups, two filters',
    () => q.breakdown(rollups, site, 'referrers', q.breakdownQuery.parse(F)),
  ],
  ['breakdown: pages from rollups', () => q.breakdown(rollups, site, 'pages', q.breakdownQuery.parse(R))],
  [
    'breakdown: entry pages from rollups',
    () => q.breakdown(rollups, site, 'entry_pages', q.breakdownQuery.parse(R)),
  ],
  [
    'breakdown: referrers from rollup_days',
    () => q.breakdown(days, site, 'referrers', q.breakdownQuery.parse(R)),
  ],
  [
    'breakdown: pages from rollup_days (a compacted day)',
    () => q.breakdown(days, site, 'pages', q.breakdownQuery.parse(R)),
  ],
  ['companies list from rollups', () => q.companies(rollups, site, q.companiesQuery.parse(R))],
];

export async function generatedSql(): Promise<string> {
  const captured: { name: string; text: string; values: unknown[] | undefined }[] = [];
  let name = '';
  // One pool per answer mode: hasSketches (@beacon/db) caches per pool whether rollup_days has sketches.
  const depsOf = (read: Read): StatsDeps => ({
    pool: {
      // A keyed lookup comes as a prepared statement's config (`prepared` in @beacon/db).
      query: (async (st: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
        const [text, vals] = typeof st === 'string' ? [st, values] : [st.text, st.values];
        captured.push({ name, text, values: vals });
        return { rows: answer(read, text) };
      }) as never,
    },
  });
  const jobs = [...eventJobs(depsOf('events')), ...rolledJobs(depsOf('rollup'), depsOf('days'))];
  for (const [n, job] of jobs) {
    name = n;
    await job().catch(() => undefined);
  }
  const out = [
    '-- Generated by services/api/src/queries/generated-sql.ts (node services/api/dist/queries/write-sql.js).',
    '',
  ];
  // A statement is printed once; a later use of the same text names the first.
  const first = new Map<string, string>();
  for (const c of captured) {
    const seen = first.get(c.text);
    out.push(`-- ${c.name}`, `-- values: ${JSON.stringify(c.values)}`);
    if (seen === undefined) out.push(`${c.text.trim()};`, '');
    else out.push(`-- (the statement printed under "${seen}")`, '');
    if (seen === undefined) first.set(c.text, c.name);
  }
  return out.join('\n');
}
