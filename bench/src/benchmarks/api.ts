import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

import { EVENT_COLUMN_NAMES } from '@beacon/schema';
import { median, percentile, report, type Figure } from '../report.js';
import { psql } from '../psql.js';
import { generateRows, toCsvLine, type Row } from '../rows.js';
import { benchDatabase } from './copy.js';
import { startApiProcess } from '../processes.js';
import { addBenchUser, benchToken } from '../users.js';
import { baselineAt } from '../baseline.js';
import { baselineDir, benchSettings, count, keepDb, runs as runsOf } from '../settings.js';
import { fixedCosts, timedGet } from './api-fixed-cost.js';

/**
 * `pnpm bench api`: seeds events by COPY (BENCH_ROWS, default 2,000,000, up to the issue's 10,000,000)
 * over 13 months for 20 sites (a few big ones, a long tail of 20,000 pages, ~5% business visitors),
 * starts the API as its own process and measures p50/p95 of overview, time series, top referrers, UTM
 * campaigns and business visitors for the biggest site over the last 30 days; each against the
 * equivalent SQL run directly with psql (`\timing`, so psql's own start-up is not counted), one API
 * call and one psql run in turn, in the same run. The ratio is API ÷ psql. Then the fixed cost of an
 * authenticated request beside the floor of bare HTTP (api-fixed-cost.ts), against the API of
 * BENCH_BASELINE_DIR in turn when it is set. The machine is shared: absolute figures are noisy,
 * ratios less so.
 */

/** The generator gives 30% of sessions a company; keep 1 in 6 (5%) and derive channel/referrer_class. */
function realistic(row: Row): Row {
  const sid = row.session_id as string;
  let h = 0;
  for (let i = 0; i < sid.length; i++) h = (h * 31 + sid.charCodeAt(i)) >>> 0;
  if (row.company_name && h % 6 !== 0) {
    Object.assign(row, {
      company_name: null,
      company_domain: null,
      company_industry: null,
      company_employee_count: null,
      company_revenue: null,
      visitor_type: 'consumer',
      organization: 'Example Broadband',
      isp: 'Example Broadband',
      asn: 'AS64510',
    });
  }
  const ref = row.referrer_domain as string | null;
  const medium = row.utm_medium as string | null;
  let channel = 'direct';
  let cls: string | null = null;
  if (ref === 'google.com' || ref === 'bing.com' || ref === 'duckduckgo.com')
    [channel, cls] = ['organic_search', 'search'];
  else if (ref === 'linkedin.com' || ref === 't.co') [channel, cls] = ['organic_social', 'social'];
  else if (ref === 'chatgpt.com') [channel, cls] = ['ai_assistant', 'ai'];
  else if (ref) [channel, cls] = ['referral', 'referral'];
  if (medium === 'cpc') channel = 'paid_search';
  else if (medium === 'email') channel = 'email';
  else if (medium === 'social') channel = 'paid_social';
  row.channel = channel;
  row.referrer_class = cls;
  row.company_confidence = row.company_name ? 0.9 : null;
  row.company_source = row.company_name ? 'asn' : null;
  return row;
}

/** Streams generated rows straight into `psql \copy ... FROM STDIN` (no temporary file); seconds. */
/** COPYs `count` generated rows spread over the last `days` days (default 395: 13 months). */
export async function copyRows(url: string, count: number, siteIds: string[], days = 395): Promise<number> {
  const started = performance.now();
  const cols = EVENT_COLUMN_NAMES.map((c) => `"${c}"`).join(',');
  const child = spawn(
    'psql',
    [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', `\\copy events (${cols}) FROM STDIN WITH (FORMAT csv)`],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const done = once(child, 'close');
  const now = Date.now();
  let buf = '';
  for (const row of generateRows(count, {
    siteIds,
    from: new Date(now - days * 86_400_000),
    to: new Date(now),
    pages: 20_000,
    seed: 7,
  })) {
    buf += toCsvLine(realistic(row));
    if (buf.length > 1 << 20) {
      if (!child.stdin!.write(buf)) await once(child.stdin!, 'drain');
      buf = '';
    }
  }
  child.stdin!.end(buf);
  const [code] = (await done) as [number];
  if (code !== 0) throw new Error(`psql \\copy failed: ${err}`);
  return (performance.now() - started) / 1000;
}

/** Runs `sql` `times` times in one psql session with \timing; the milliseconds of each run. */
async function psqlTimes(url: string, sql: string, times: number): Promise<number[]> {
  const script = `\\timing on\n\\o /dev/null\n${`${sql.trim()};\n`.repeat(times)}`;
  const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-f', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = once(child, 'close');
  child.stdin!.end(script);
  const [code] = (await done) as [number];
  if (code !== 0) throw new Error(`psql failed (${err.trim()}) for: ${sql.slice(0, 200)}`);
  const ms = [...out.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1]));
  if (ms.length !== times) throw new Error(`expected ${times} timings, got ${ms.length}`);
  return ms;
}

/**
 * The SQL an analyst would run by hand for each question (the seed's sample queries over 30 days, and
 * seed-style SQL for the overview and time series, which the seed lacks). `S` = site, `R` = range.
 */
function directSql(site: string, from: string, to: string): Record<string, string> {
  const S = `site_id = '${site}'`;
  const R = `server_timestamp >= '${from}'::timestamptz AND server_timestamp < '${to}'::timestamptz`;
  const prevFrom = new Date(2 * Date.parse(from) - Date.parse(to)).toISOString();
  const P = `server_timestamp >= '${prevFrom}'::timestamptz AND server_timestamp < '${from}'::timestamptz`;
  return {
    // Both periods, as the API answers them (current and the 30 days before).
    overview: [R, P]
      .map(
        (range) => `(WITH s AS (
        SELECT session_id, count(*) FILTER (WHERE event_name = 'page_view') AS pv,
               extract(epoch FROM max(server_timestamp) - min(server_timestamp)) AS d
        FROM events WHERE ${S} AND ${range} GROUP BY session_id)
      SELECT (SELECT count(DISTINCT client_id) FROM events WHERE ${S} AND ${range}) AS visitors,
             (SELECT count(*) FROM s) AS sessions,
             (SELECT sum(pv) FROM s) AS page_views,
             (SELECT avg((pv = 1)::int) FROM s WHERE pv >= 1) AS bounce_rate,
             (SELECT avg(d) FROM s) AS avg_duration)`,
      )
      .join(' UNION ALL '),
    timeseries: `
      SELECT DATE(server_timestamp) AS day, count(DISTINCT client_id) AS visitors, count(DISTINCT session_id) AS sessions,
             count(*) FILTER (WHERE event_name = 'page_view') AS page_views, count(*) AS events
      FROM events WHERE ${S} AND ${R} GROUP BY 1 ORDER BY 1`,
    top_referrers: `
      SELECT referrer_domain, COUNT(DISTINCT session_id) AS sessions, COUNT(*) AS events
      FROM events WHERE ${S} AND referrer_domain IS NOT NULL AND ${R}
      GROUP BY referrer_domain ORDER BY sessions DESC LIMIT 20`,
    utm_campaigns: `
      SELECT utm_source, utm_medium, utm_campaign, COUNT(DISTINCT session_id) AS sessions,
             COUNT(DISTINCT client_id) AS unique_users, AVG(engagement_score) AS avg_engagement
      FROM events WHERE ${S} AND utm_campaign IS NOT NULL AND ${R}
      GROUP BY utm_source, utm_medium, utm_campaign ORDER BY sessions DESC`,
    business_visitors: `
      SELECT company_name, company_domain, company_industry, COUNT(DISTINCT client_id) AS unique_visitors, COUNT(*) AS total_events
      FROM events WHERE ${S} AND visitor_type = 'business' AND company_name IS NOT NULL AND ${R}
      GROUP BY company_name, company_domain, company_industry ORDER BY total_events DESC`,
  };
}

export async function apiBench(): Promise<void> {
  const { rows, runs, keep, baseDir } = benchSettings({
    rows: count('BENCH_ROWS', 2_000_000, 'events rows'),
    runs: runsOf(30),
    keep: keepDb(),
    baseDir: baselineDir(),
  });
  const base = await baselineAt(baseDir);
  const siteIds = Array.from({ length: 20 }, (_, i) => `benchsite${String(i).padStart(3, '0')}`);
  const db = await benchDatabase(siteIds);
  let api: ChildProcess | undefined;
  try {
    await psql(
      db.url,
      `SELECT count(*) FROM beacon_ensure_event_partitions(now() - interval '14 months', 15)`,
    );
    console.log(`api bench: seeding ${rows.toLocaleString('en-US')} events by COPY ...`);
    const copySeconds = await copyRows(db.url, rows, siteIds);
    await psql(db.url, 'VACUUM ANALYZE events');
    await addBenchUser(db.url);
    const [big, bigRows] = (
      await psql(
        db.url,
        `SELECT site_id, count(*) FROM events WHERE server_timestamp >= now() - interval '30 days' GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
      )
    )
      .trim()
      .split('|');
    const started = await startApiProcess(db.url);
    api = started.child;
    const token = await benchToken(started.url);

    const today = new Date().toISOString().slice(0, 10);
    const first = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const range = `from=${first}&to=${today}`;
    const paths: Record<string, string> = {
      overview: `/stats/overview?${range}`,
      timeseries: `/stats/timeseries?${range}&interval=day`,
      top_referrers: `/stats/top-referrers?${range}&limit=20`,
      utm_campaigns: `/stats/utm-campaigns?${range}&limit=500`,
      business_visitors: `/stats/business-visitors?${range}&limit=500`,
    };
    const direct = directSql(
      big!,
      `${first}T00:00:00Z`,
      new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString(),
    );
    const figures: Figure[] = [];
    const raw: Record<string, { api: number[]; psql: number[] }> = {};
    for (const [name, path] of Object.entries(paths)) {
      const get = () => timedGet(`${started.url}/v1/sites/${big}${path}`, token);
      for (let i = 0; i < 3; i++) await get(); // warm-up: plans, caches, keep-alive connection
      await psqlTimes(db.url, direct[name]!, 3);
      // Interleaved (one API call, one psql session) so that load from other work on the shared machine
      // falls on both sides alike.
      const apiMs: number[] = [];
      const psqlMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        apiMs.push(await get());
        psqlMs.push((await psqlTimes(db.url, direct[name]!, 2))[1]!); // the 1st warms the new session's caches
      }
      raw[name] = { api: apiMs, psql: psqlMs };
      for (const p of [50, 95]) {
        const a = p === 50 ? median(apiMs) : percentile(apiMs, 95);
        const b = p === 50 ? median(psqlMs) : percentile(psqlMs, 95);
        figures.push({
          name: `${name} p${p} (API / psql ${b.toFixed(1)} ms)`,
          value: Math.round(a * 10) / 10,
          unit: 'ms',
          ratio: a / b,
          baseline: 'of direct SQL in psql',
        });
      }
    }
    // The fixed cost of any authenticated request (no stats query): explains ratios of cheap
    // questions, where it dominates.
    figures.push(
      ...(await fixedCosts({ dbUrl: db.url, apiUrl: started.url, token, site: big!, runs, base })),
    );
    await report('api', figures, {
      rows,
      runs,
      copy_rows_per_s: Math.round(rows / copySeconds),
      big_site: big,
      big_site_rows_30d: Number(bigRows),
      note: 'shared 2-core machine: absolute times are noisy; ratio = API time / the same question as direct SQL in psql (2nd run of a fresh session)',
      raw,
    });
  } finally {
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
    // BENCH_KEEP_DB=1 keeps the seeded database (e.g. to EXPLAIN on it); drop it yourself afterwards.
    if (keep) {
      await db.pool.end();
      console.log(`kept database ${db.name}`);
    } else await db.drop();
  }
}
