import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { startApi, type ApiHandle } from '@beacon/api';
import { parseConfig } from '@beacon/config';
import { adminSql } from '@beacon/db';
import { silentObservability } from '@beacon/observability';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@beacon/testkit';
import { runBeacon, SLOW } from './beacon-cli.js';

// `beacon import plausible`, all real: the built CLI, PostgreSQL (with the hll extension, as in CI),
// and the API answering the dashboard's questions over the imported days. The sample export
// (fixtures/plausible-export/ and the same files zipped) is written from Plausible's documented CSV
// format; the expected figures below are read off those files.

const ZIP = fileURLToPath(new URL('./fixtures/plausible-export.zip', import.meta.url));
const DIR = fileURLToPath(new URL('./fixtures/plausible-export/', import.meta.url));
const UMAMI_CSV = fileURLToPath(new URL('./fixtures/umami-website_event.csv', import.meta.url));
const BERLIN = { timezone: 'Europe/Berlin' };

let db: TestDatabase;
let api: ApiHandle;
let apiKey: string;
const tmp: string[] = [];

const beacon = (args: string[]) => runBeacon(db.url, args);
const importJson = async (args: string[]) => {
  const r = await beacon(['--json', 'import', 'plausible', ...args]);
  expect([r.code, r.stderr.match(/error.*/)?.[0]]).toEqual([0, undefined]);
  const s = JSON.parse(r.stdout);
  // Not a terminal: plain progress lines (no bar, nothing redrawn), the last one for the whole import.
  const progress = r.stderr.split('\n').filter(Boolean);
  for (const line of progress)
    expect(line).toMatch(/^(reading: [\d,]+ rows? of \d+ files?|\d{1,3}% [\d,]+ of [\d,]+ days? written)$/);
  expect(progress.at(-1)).toBe(
    `100% ${s.written} of ${s.daysToWrite} day${s.daysToWrite === 1 ? '' : 's'} written`,
  );
  return s;
};

type Figures = Record<string, number>;
/** The answers read here: the overview's periods, and the lists' items. */
interface Answer {
  current: Figures;
  previous: Figures;
  items: (Figures & { value?: string | null })[];
}

async function get(path: string): Promise<{ body: Answer; source: string | null }> {
  const res = await fetch(`http://127.0.0.1:${api.port}/v1/sites/${path}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  expect(res.status).toBe(200);
  return { body: (await res.json()) as Answer, source: res.headers.get('x-beacon-source') };
}

/** A copy of the sample export in a temporary directory, for variants of it. */
function copyExport(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plausible-'));
  tmp.push(dir);
  cpSync(DIR, dir, { recursive: true });
  return dir;
}

const snapshot = async (site: string) =>
  (
    await db.pool.query(
      `SELECT d.*, d.visitors_hll::text AS vh, d.sessions_hll::text AS sh, m.fingerprint, m.imported_at
       FROM rollup_days d LEFT JOIN rollup_imports m ON m.site_id = d.site_id AND m.starts_at = d.starts_at
       WHERE d.site_id = $1 ORDER BY d.starts_at, d.dim, d.value_key`,
      [site],
    )
  ).rows;

beforeAll(async () => {
  db = await createTestDatabase();
  const prefix = `bk_${randomBytes(4).toString('hex')}`;
  apiKey = `${prefix}_${randomBytes(16).toString('hex')}`;
  const { rows } = await db.pool.query(adminSql.insertAgency, [
    'Importers',
    `imp-${prefix}@example.com`,
    await bcrypt.hash(apiKey, 4),
    prefix,
    null,
  ]);
  for (const id of ['plshop', 'plboth', 'plnone'])
    await db.pool.query(adminSql.insertSite, [
      rows[0].id,
      id,
      'shop.example',
      id,
      JSON.stringify(BERLIN),
      null,
    ]);
  api = await startApi(
    parseConfig({
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      QUEUE_PREFIX: uniquePrefix('imp'),
      API_JWT_SECRET: randomBytes(32).toString('hex'),
    }),
    {
      port: 0,
      host: '127.0.0.1',
      redis: null,
      ...silentObservability('api'),
    },
  );
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('beacon import plausible', () => {
  it(
    'imports the export once, says what it could not map, and the API answers its figures',
    async () => {
      const s = await importJson(['--site', 'plshop', ZIP]);
      expect(s).toMatchObject({
        files: 8,
        lines: 28,
        first: '2026-10-05',
        last: '2026-10-09',
        timezone: 'Europe/Berlin',
        written: 5,
        unchanged: 0,
        skipped: { 'imported_visitors: no date': 1 },
      });
      expect(Object.keys(s.unmappedFiles)).toEqual(['imported_entry_pages_20261005_20261009.csv']);
      expect(s.unmappedFields).toMatchObject({
        'imported_sources.utm_content': 1,
        'imported_pages.hostname': 4,
        'imported_locations.city': 2,
        'imported_custom_events.link_url': 1,
      });

      // One day: every figure exactly as imported_visitors says (events: page views + custom events).
      const day = await get('plshop/stats/overview?from=2026-10-05&to=2026-10-05');
      expect(day.source).toBe('days');
      expect(day.body.current).toEqual({
        visitors: 120,
        sessions: 135,
        page_views: 310,
        events: 310 + 14 + 3,
        bounced_sessions: 70,
        viewing_sessions: 135,
        bounce_rate: 70 / 135,
        avg_session_duration: Math.round((21000 / 135) * 1000) / 1000,
      });

      // The five days (one without a row: zero), starting before the export: counters exact; visitors
      // and sessions over several days are a sketch's estimate of the sum of the days (standard error
      // 2.3 %, docs/rollups.md; allowed here: three of them).
      const week = await get('plshop/stats/overview?from=2026-09-20&to=2026-10-09');
      expect(week.source).toBe('days');
      const c = week.body.current;
      expect(c).toMatchObject({
        page_views: 1079,
        events: 1079 + 17 + 21,
        bounced_sessions: 242,
        viewing_sessions: 472,
        avg_session_duration: Math.round((76900 / 472) * 1000) / 1000,
      });
      expect(Math.abs(c.visitors - 430)).toBeLessThanOrEqual(430 * 0.07);
      expect(Math.abs(c.sessions - 472)).toBeLessThanOrEqual(472 * 0.07);
      expect(week.body.previous).toMatchObject({ visitors: 0, page_views: 0 });

      const series = await get('plshop/stats/timeseries?from=2026-10-05&to=2026-10-09&interval=day');
      expect(series.body.items.map((i) => [i.visitors, i.page_views])).toEqual([
        [120, 310],
        [95, 240],
        [0, 0],
        [210, 520],
        [5, 9],
      ]);

      const breakdown = async (dim: string) =>
        Object.fromEntries(
          (await get(`plshop/stats/breakdown/${dim}?from=2026-10-05&to=2026-10-05`)).body.items.map((i) => [
            i.value ?? '(none)',
            i.visitors,
          ]),
        );
      expect(await breakdown('referrers')).toEqual({ 'google.com': 60, 'github.com': 10, '(none)': 50 });
      expect(await breakdown('channels')).toEqual({
        organic_search: 60,
        direct: 35,
        email: 15,
        organic_social: 10,
      });
      expect(await breakdown('utm_campaigns')).toEqual({ october: 15, '(none)': 105 });
      expect(await breakdown('countries')).toEqual({ DE: 70, US: 50 });
      expect(await breakdown('devices')).toEqual({ desktop: 90, mobile: 30 });
      expect(await breakdown('browsers')).toEqual({ Chrome: 80, Edge: 40 });
      expect(await breakdown('os')).toEqual({ Windows: 70, 'Mac OS': 50 });
      expect(await breakdown('pages')).toEqual({ '/': 90, '/pricing': 35 });
      expect(await breakdown('events')).toEqual({ Signup: 12, 'Outbound Link: Click': 3 });

      // Goals match the imported days' names (the import adds them to the names dictionary, which
      // goal figures from days are matched on): one day and one name, so exact.
      const goalIds: string[] = [];
      for (const insert of [
        `INSERT INTO goals (site_id, name, kind, page_pattern, page_regex) VALUES ('plshop', 'Pricing', 'page', '/pri*', '^/pri[^/]*$') RETURNING id`,
        `INSERT INTO goals (site_id, name, kind, event_name) VALUES ('plshop', 'Signup', 'event', 'Signup') RETURNING id`,
      ])
        goalIds.push((await db.pool.query<{ id: string }>(insert)).rows[0]!.id);
      const goals = await get('plshop/stats/goals?from=2026-10-05&to=2026-10-05');
      expect(goals.source).toBe('days');
      const byGoal = new Map(goals.body.items.map((i) => [(i as { goal_id?: string }).goal_id, i]));
      expect(goalIds.map((id) => [byGoal.get(id)?.conversions, byGoal.get(id)?.converters])).toEqual([
        [110, 35],
        [14, 12],
      ]);

      // A second run (the same files, unzipped) changes nothing.
      const before = await snapshot('plshop');
      const again = await importJson(['--site', 'plshop', DIR]);
      expect(again).toMatchObject({ written: 0, unchanged: 5, replaced: 0 });
      expect(await snapshot('plshop')).toEqual(before);
    },
    SLOW,
  );

  it(
    'replaces only the days whose figures changed in a corrected export',
    async () => {
      const dir = copyExport();
      const file = join(dir, 'imported_visitors_20261005_20261009.csv');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('"2026-10-09",5,9,2,6,300', '"2026-10-09",7,12,2,8,420'),
      );
      expect(await importJson(['--site', 'plshop', dir])).toMatchObject({
        written: 1,
        replaced: 1,
        unchanged: 4,
      });
      const day = await get('plshop/stats/overview?from=2026-10-09&to=2026-10-09');
      expect(day.body.current).toMatchObject({ visitors: 7, sessions: 8, page_views: 12 });
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS n FROM rollup_imports WHERE site_id = 'plshop'`,
      );
      expect(rows[0].n).toBe(5);
    },
    SLOW,
  );

  it(
    "refuses days that hold the site's own events or are not over, and imports the rest with --skip-overlap",
    async () => {
      // The site's own data on 2026-11-18: Umami events imported as events.
      expect((await beacon(['import', 'umami', '--site', 'plboth', UMAMI_CSV])).code).toBe(0);
      const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });
      const dir = mkdtempSync(join(tmpdir(), 'plausible-'));
      tmp.push(dir);
      writeFileSync(
        join(dir, 'imported_visitors_20261117_20261119.csv'),
        '"date","visitors","pageviews","bounces","visits","visit_duration"\n' +
          `"2026-11-17",10,20,5,12,600\n"2026-11-18",11,21,5,12,600\n"2026-11-19",12,22,5,12,600\n"${today}",1,1,1,1,1\n`,
      );
      const refused = await beacon(['import', 'plausible', '--site', 'plboth', dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/2026-11-18 already hold this site's own data/);
      expect(refused.stderr).toMatch(new RegExp(`${today} is not over yet`));
      const none = await db.pool.query(`SELECT count(*)::int AS n FROM rollup_days WHERE site_id = 'plboth'`);
      expect(none.rows[0].n).toBe(0);

      const s = await importJson(['--site', 'plboth', '--skip-overlap', dir]);
      expect(s).toMatchObject({ overlapping: ['2026-11-18'], current: [today] });
      const { rows } = await db.pool.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM rollup_imports WHERE site_id = 'plboth' ORDER BY day`,
      );
      expect(rows.map((r) => r.day)).toEqual(
        ['2026-11-17', '2026-11-19', ...dayRange('2026-11-20', today)].filter((d) => d < today),
      );
      // The events' day keeps its own figures (3 events, 2 of them page views); the import's is not added.
      const own = await get('plboth/stats/overview?from=2026-11-18&to=2026-11-18');
      expect(own.body.current).toMatchObject({ page_views: 2, events: 3 });
    },
    SLOW,
  );

  it(
    'refuses an export without imported_visitors, and a path that is not there',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'plausible-'));
      tmp.push(dir);
      cpSync(
        join(DIR, 'imported_pages_20261005_20261009.csv'),
        join(dir, 'imported_pages_20261005_20261009.csv'),
      );
      const r = await beacon(['import', 'plausible', '--site', 'plnone', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no imported_visitors file/);
      const missing = await beacon(['import', 'plausible', '--site', 'plnone', join(dir, 'nope.zip')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/does not exist/);
    },
    SLOW,
  );
});

/** Days from `first` up to (not including) `end`, as YYYY-MM-DD. */
function dayRange(first: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t < Date.parse(`${end}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
