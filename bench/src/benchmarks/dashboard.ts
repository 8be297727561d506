import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { median, percentile, report, type Figure } from '../report.js';
import { psql } from '../psql.js';
import { benchDatabase } from './copy.js';
import { startApiProcess } from '../processes.js';
import { HEADLESS_ARGS, launchChromium, sessionToken } from '@beacon/testkit';
import { benchSettings, count, flag, runs as runsOf } from '../settings.js';

/**
 * `pnpm bench dashboard`: the web dashboard's Overview of a site with BENCH_DASHBOARD_ROWS events
 * (default 1,000,000) in the last 30 days, in Chromium (testkit's launchChromium) against the API (its own process, which
 * serves the built dashboard). Time from navigation start (a full page load: assets from the browser
 * cache, a token refresh, /me, /sites, then the analytics requests) to (a) the headline figures shown
 * and (b) everything shown (figures, chart, six breakdown panels). Baseline in the same run: the same
 * page for a site with no events (the app's own cost), and the overview request alone (fetch).
 * The machine is shared with other work: absolute times are noisy.
 */
const CLI_MAIN = fileURLToPath(new URL('../../../services/cli/dist/main.js', import.meta.url));

/** Runs the `beacon` CLI against the bench database; rejects with its stderr on failure. */
async function runCli(databaseUrl: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`beacon ${args.join(' ')} exited ${code}: ${err}`);
}

/** Seeds `rows` events for `site` over the last 30 days by generate_series: 5 events per session. */
function seedSql(site: string, rows: number): string {
  return `
INSERT INTO events (id, site_id, event_name, client_id, session_id, server_timestamp, page_path, page_url,
  referrer_domain, channel, utm_source, utm_medium, utm_campaign, country, city, device_type, browser, os,
  company_name, company_domain, company_industry, visitor_type)
SELECT gen_random_uuid(), '${site}',
  CASE WHEN i % 5 = 4 AND k % 3 = 0 THEN (ARRAY['signup','download','click'])[1 + k % 3] ELSE 'page_view' END,
  'c' || (k * 7 % ${Math.max(1, Math.round(rows / 12))}), 's' || k,
  now() - make_interval(secs => (k * 7919) % (29 * 86400) + 60) + make_interval(secs => (i % 5) * 40),
  '/p' || ((k + i) * 31 % 300), 'https://big.example/p' || ((k + i) * 31 % 300),
  (ARRAY[NULL,'google.com','t.co','news.ycombinator.com','bing.com','linkedin.com'])[1 + k % 6],
  (ARRAY['direct','organic_search','organic_social','referral','organic_search','organic_social'])[1 + k % 6],
  CASE WHEN k % 7 = 0 THEN 'google' END, CASE WHEN k % 7 = 0 THEN 'cpc' END,
  CASE WHEN k % 7 = 0 THEN (ARRAY['spring','brand','retarget'])[1 + k % 3] END,
  (ARRAY['US','DE','FR','GB','IN','BR','JP','CA'])[1 + k % 8], 'City ' || (k % 40),
  (ARRAY['desktop','mobile','tablet'])[1 + k % 3], (ARRAY['Chrome','Firefox','Safari','Edge'])[1 + k % 4],
  (ARRAY['Windows','macOS','Linux','iOS','Android'])[1 + k % 5],
  CASE WHEN k % 20 = 0 THEN 'Company ' || (k % 500) END, CASE WHEN k % 20 = 0 THEN 'co' || (k % 500) || '.example' END,
  CASE WHEN k % 20 = 0 THEN 'Software' END, CASE WHEN k % 20 = 0 THEN 'business' ELSE 'consumer' END
FROM generate_series(0, ${rows - 1}) AS i, LATERAL (SELECT i / 5 AS k) s`;
}

/** The page's document, typed just enough (this package compiles without the DOM library; functions
 * passed to the page are serialized, so each casts globalThis itself). */
interface PageDocument {
  querySelector(selector: string): object | null;
  querySelectorAll(selector: string): { length: number };
}

export async function dashboardBench(): Promise<void> {
  const { rows, runs, rollups } = benchSettings({
    rows: count('BENCH_DASHBOARD_ROWS', 1_000_000, 'events rows'),
    runs: runsOf(10),
    rollups: flag('BENCH_DASHBOARD_ROLLUPS', true, 'build the rollups (0: raw events only)'),
  });
  const db = await benchDatabase(['dashbig', 'dashempty']);
  let api: ChildProcess | undefined;
  const browser = await launchChromium({ args: HEADLESS_ARGS });
  try {
    await psql(db.url, `SELECT count(*) FROM beacon_ensure_event_partitions(now() - interval '2 months', 3)`);
    console.log(`dashboard bench: seeding ${rows.toLocaleString('en-US')} events in the last 30 days ...`);
    const t0 = performance.now();
    await psql(db.url, seedSql('dashbig', rows));
    await psql(db.url, 'VACUUM ANALYZE events');
    const seedSeconds = (performance.now() - t0) / 1000;
    // The writer keeps rollups as it stores events; rows seeded by SQL get them from a rebuild, as an
    // upgraded installation does. BENCH_DASHBOARD_ROLLUPS=0 measures the dashboard on raw events.
    const withRollups = rollups;
    if (withRollups) {
      const t1 = performance.now();
      await runCli(db.url, ['rollups', 'rebuild', '--site', 'dashbig']);
      console.log(`dashboard bench: rollups rebuilt in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    await psql(
      db.url,
      `CREATE EXTENSION IF NOT EXISTS pgcrypto;
       INSERT INTO dashboard_users (agency_id, email, password_hash, role)
       SELECT id, 'bench@bench.test', crypt('bench-password', gen_salt('bf', 4)), 'viewer' FROM agencies`,
    );
    const ids = Object.fromEntries(
      (await psql(db.url, `SELECT script_id, id FROM sites`))
        .trim()
        .split('\n')
        .map((l) => l.split('|') as [string, string]),
    );
    const started = await startApiProcess(db.url);
    api = started.child;

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${started.url}/`);
    await page.getByLabel('Email').fill('bench@bench.test');
    await page.getByLabel('Password').fill('bench-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/overview/);

    /** Milliseconds from navigation start to the figures, and to every panel, of one site's overview. */
    const load = async (siteId: string) => {
      await page.goto(`${started.url}/sites/${siteId}/overview?range=30d`, { waitUntil: 'commit' });
      // Functions run in the page (the dashboard's CSP forbids string evaluation).
      const figures = await page.waitForFunction(
        () =>
          (globalThis as unknown as { document: PageDocument }).document.querySelector(
            '[data-metric="visitors"] .value',
          )
            ? performance.now()
            : 0,
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      const all = await page.waitForFunction(
        () => {
          const d = (globalThis as unknown as { document: PageDocument }).document;
          const done =
            !d.querySelector('.loading') &&
            (d.querySelector('.empty') ||
              (d.querySelectorAll('.panel table.bars, .panel p.muted').length >= 6 &&
                d.querySelector('.chart canvas')));
          return done ? performance.now() : 0;
        },
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      return { figures: (await figures.jsonValue()) as number, all: (await all.jsonValue()) as number };
    };
    const token = await sessionToken(page);
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const overviewOnly = async () => {
      const t = performance.now();
      const r = await fetch(
        `${started.url}/v1/sites/${ids.dashbig}/stats/overview?from=${from}&to=${today}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`overview: HTTP ${r.status}`);
      return performance.now() - t;
    };

    for (let i = 0; i < 2; i++) {
      await load(ids.dashbig!); // warm-up: plans, page cache, browser cache of the assets
      await load(ids.dashempty!);
    }
    const big = { figures: [] as number[], all: [] as number[] };
    const empty = { figures: [] as number[], all: [] as number[] };
    const apiMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const b = await load(ids.dashbig!);
      big.figures.push(b.figures);
      big.all.push(b.all);
      const e = await load(ids.dashempty!);
      empty.figures.push(e.figures);
      empty.all.push(e.all);
      apiMs.push(await overviewOnly());
    }
    const figures: Figure[] = [];
    const fig = (name: string, xs: number[], base: number[], baseline: string) => {
      for (const p of [50, 95]) {
        const a = p === 50 ? median(xs) : percentile(xs, 95);
        const b = p === 50 ? median(base) : percentile(base, 95);
        figures.push({ name: `${name} p${p}`, value: Math.round(a), unit: 'ms', ratio: a / b, baseline });
      }
    };
    fig(
      `figures shown, ${(rows / 1e6).toFixed(1)}M events`,
      big.figures,
      empty.figures,
      'of the same page on an empty site',
    );
    fig(
      `all panels shown, ${(rows / 1e6).toFixed(1)}M events`,
      big.all,
      empty.all,
      'of the same page on an empty site',
    );
    fig('overview request alone (fetch)', apiMs, empty.figures, 'of the empty-site page');
    await report('dashboard', figures, {
      rows,
      runs,
      seed_seconds: Math.round(seedSeconds),
      rollups: withRollups,
      note: 'shared 2-core machine (browser, API, PostgreSQL on it): noisy; times from navigation start, warm browser cache',
      raw: { big, empty, api_overview_ms: apiMs },
    });
  } finally {
    await browser.close();
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
    await db.drop();
  }
}
