import { spawn, type ChildProcess } from 'node:child_process';

import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { freezeDays, rebuildRollups, type Pool } from '@beacon/db';
import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { median, percentile, report, type Figure } from '../report.js';
import { psql } from '../psql.js';
import { generateRows } from '../rows.js';
import type { Baseline } from '../baseline.js';
import { benchDatabase } from './copy.js';
import { copyRows } from './api.js';
import { freePort, startApiProcess, stopProcess } from '../processes.js';
import { addBenchUser, benchToken } from '../users.js';
import { benchSettings, count, keepDb, runs as runsOf } from '../settings.js';

/**
 * `pnpm bench rollups` (docs/rollups.md):
 *  1. Seeds BENCH_ROWS events (default 3,000,000; the issue asks 30M, scaled down to what the shared
 *     2-core machine does in a few minutes) by COPY over 13 months for BENCH_SITES sites (default 50),
 *     the biggest ~40% of them (BENCH_SITES=1 BENCH_ROWS=12000000: one 12M-event site), and builds the rollups with `rebuildRollups` (what `beacon rollups rebuild` runs).
 *  2. Starts two API processes on that database, ROLLUPS_READ on and off, and measures overview, time
 *     series, top pages, referrers, UTM campaigns and companies of the biggest site over 7, 30 and 90
 *     days: the first request ("cold": first plan, first touch of the pages; the OS cache is not
 *     dropped) and p50/p95 of BENCH_RUNS warm requests. Baseline: the same request answered from raw
 *     events. Both answers are compared (they must be equal).
 *  3. Writer throughput with ROLLUPS_WRITE on vs off: a writer process drains BENCH_WRITER_ROWS rows
 *     (jobs of 500) into a fresh database; BENCH_WRITER_REPS (default 3) alternating runs, ratio of
 *     medians (0 skips this part).
 * The machine is shared with other engineers: absolute figures are noisy, ratios less so.
 */
const WRITER_MAIN = fileURLToPath(new URL('../../../services/writer/dist/main.js', import.meta.url));

async function startApi(
  databaseUrl: string,
  rollups: boolean,
): Promise<{ child: ChildProcess; url: string }> {
  return startApiProcess(databaseUrl, { ROLLUPS_READ: String(rollups) });
}

/** Fields that rollup_days estimates across days (HLL) or adds up per day (bounce, duration). */
const ESTIMATED = new Set([
  'visitors',
  'sessions',
  'converters',
  'conversion_rate',
  'bounced_sessions',
  'viewing_sessions',
  'bounce_rate',
  'avg_session_duration',
  'change',
]);

/**
 * Walks a rollup_days answer and the raw one together: every other field must be equal (counters,
 * names, order of lists of the same length); returns the largest relative error of visitors/sessions/converters.
 */
function compareAnswers(what: string, got: unknown, want: unknown, key = ''): number {
  if (typeof want === 'number' && typeof got === 'number') {
    if (!ESTIMATED.has(key)) {
      if (got !== want) throw new Error(`${what}: ${key} ${got} != ${want}`);
      return 0;
    }
    return ['visitors', 'sessions', 'converters'].includes(key) && want > 0 ? Math.abs(got - want) / want : 0;
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    if (got.length !== want.length)
      throw new Error(`${what}: ${key} has ${got.length} items, not ${want.length}`);
    // Breakdown rows sorted by an estimated count may swap places: matched by value.
    const byValue = (xs: unknown[]) =>
      new Map(xs.map((x) => [JSON.stringify((x as { value?: unknown }).value), x]));
    const keyed = want.every((w) => w && typeof w === 'object' && 'value' in w);
    const g = keyed ? byValue(got) : null;
    return Math.max(
      0,
      ...want.map((w, i) =>
        g && !g.has(JSON.stringify((w as { value?: unknown }).value))
          ? 0 // a tie at the cut-off of the top list: another item of near-equal count
          : compareAnswers(
              what,
              g ? g.get(JSON.stringify((w as { value?: unknown }).value)) : got[i],
              w,
              key,
            ),
      ),
    );
  }
  if (want && typeof want === 'object' && got && typeof got === 'object') {
    if (key === 'change') return 0;
    return Math.max(
      0,
      ...Object.entries(want).map(([k, w]) =>
        compareAnswers(what, (got as Record<string, unknown>)[k], w, k),
      ),
    );
  }
  if (!ESTIMATED.has(key) && JSON.stringify(got) !== JSON.stringify(want))
    throw new Error(`${what}: ${key} ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  return 0;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Writer rows/s draining `rows` rows with ROLLUPS_WRITE on or off (fresh database per run). With
 * `checkout` (bench/src/baseline.ts), that checkout's writer on a database of its migrations.
 */
export async function writerRun(rows: number, rollups: boolean, checkout?: Baseline): Promise<number> {
  const sites = ['wsite0', 'wsite1', 'wsite2', 'wsite3'];
  const db = await benchDatabase(sites, false, checkout?.migrate);
  const prefix = uniquePrefix('bench-writer');
  const queue = new Queue('events', { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix });
  let child: ChildProcess | undefined;
  try {
    const now = Date.now();
    let batch: Record<string, unknown>[] = [];
    let jobs: { name: string; data: unknown; opts: { jobId: string } }[] = [];
    let n = 0;
    for (const row of generateRows(rows, {
      siteIds: sites,
      from: new Date(now - 2 * 86_400_000),
      to: new Date(now),
      seed: 11,
    })) {
      batch.push({
        ...row,
        channel: 'direct',
        referrer_class: null,
        company_confidence: null,
        company_source: null,
      });
      if (batch.length === 500) {
        jobs.push({
          name: 'events',
          data: { type: 'events', v: 1, rows: batch },
          opts: { jobId: `j${n++}` },
        });
        batch = [];
      }
      if (jobs.length === 20) {
        await queue.addBulk(jobs);
        jobs = [];
      }
    }
    if (batch.length)
      jobs.push({ name: 'events', data: { type: 'events', v: 1, rows: batch }, opts: { jobId: `j${n++}` } });
    if (jobs.length) await queue.addBulk(jobs);
    const port = await freePort();
    child = spawn(process.execPath, [checkout?.writerMain ?? WRITER_MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        WRITER_METRICS_PORT: String(port),
        LOG_LEVEL: 'warn',
        ROLLUPS_WRITE: String(rollups),
        DATABASE_POOL_MAX: '5',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const count = async () =>
      Number((await db.pool.query('SELECT count(*)::int AS n FROM events')).rows[0].n);
    let t0 = 0;
    for (;;) {
      const c = await count();
      if (c > 0 && t0 === 0) t0 = performance.now();
      if (c >= rows) break;
      if (child.exitCode !== null) throw new Error(`the writer exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return rows / ((performance.now() - t0) / 1000);
  } finally {
    await stopProcess(child);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db.drop();
  }
}

/**
 * Unique visitors over 7/30/90 days of one site, three ways (the measurement behind docs/rollups.md):
 * exact from rollup_sessions (what Beacon does), exact from a per-day visitor table keyed by
 * (day, visitor hash), and the `hll` extension (one sketch per day, hll_union_agg). Size, median
 * time of 10 runs, and the sketch's error. Skipped when the extension is not installed.
 */
async function hllMeasure(pool: Pool, site: string, tz: string): Promise<Record<string, unknown> | null> {
  const available = await pool.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'hll'`);
  if (available.rowCount === 0) return null;
  await pool.query('CREATE EXTENSION IF NOT EXISTS hll');
  const timed = async (text: string, values: unknown[]) => {
    const ms: number[] = [];
    let value: unknown;
    for (let i = 0; i < 11; i++) {
      const t0 = performance.now();
      value = (await pool.query(text, values)).rows[0].n;
      if (i > 0) ms.push(performance.now() - t0);
    }
    return { ms: Math.round(median(ms) * 100) / 100, value: Number(value) };
  };
  const build = async (text: string) => {
    const t0 = performance.now();
    await pool.query(text, [site, tz]);
    return Math.round(performance.now() - t0);
  };
  const day = `(r.hour AT TIME ZONE $2)::date`;
  const out: Record<string, unknown> = {
    build_ms_exact_days: await build(`
      CREATE TABLE bench_exact_days AS
      SELECT DISTINCT ${day} AS day, r.visitor_key FROM rollup_sessions r WHERE r.site_id = $1 AND r.visitor_key <> 0`),
    build_ms_hll_days: await build(`
      CREATE TABLE bench_hll_days AS
      SELECT ${day} AS day, hll_add_agg(hll_hash_bigint(r.visitor_key)) AS visitors
      FROM rollup_sessions r WHERE r.site_id = $1 AND r.visitor_key <> 0 GROUP BY 1`),
  };
  await pool.query('CREATE INDEX ON bench_exact_days (day, visitor_key)');
  await pool.query('CREATE INDEX ON bench_hll_days (day)');
  await pool.query('VACUUM ANALYZE bench_exact_days');
  await pool.query('VACUUM ANALYZE bench_hll_days');
  const size = async (t: string) =>
    Number((await pool.query(`SELECT pg_total_relation_size($1::regclass) AS n`, [t])).rows[0].n);
  out.bytes_exact_days = await size('bench_exact_days');
  out.bytes_hll_days = await size('bench_hll_days');
  out.rows_exact_days = Number((await pool.query('SELECT count(*) AS n FROM bench_exact_days')).rows[0].n);
  out.rows_hll_days = Number((await pool.query('SELECT count(*) AS n FROM bench_hll_days')).rows[0].n);
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  const ranges: Record<string, unknown> = {};
  for (const days of [7, 30, 90, 395]) {
    const from = dayOf(today - (days - 1) * 86_400_000);
    const to = dayOf(today + 86_400_000);
    const rollup = await timed(
      `SELECT count(DISTINCT r.visitor_key) FILTER (WHERE r.visitor_key <> 0) AS n FROM rollup_sessions r
       WHERE r.site_id = $1 AND r.hour >= ($2::timestamp AT TIME ZONE $4) AND r.hour < ($3::timestamp AT TIME ZONE $4)`,
      [site, from, to, tz],
    );
    const exact = await timed(
      `SELECT count(DISTINCT visitor_key) AS n FROM bench_exact_days WHERE day >= $1::date AND day < $2::date`,
      [from, to],
    );
    const hll = await timed(
      `SELECT round(hll_cardinality(hll_union_agg(visitors))) AS n FROM bench_hll_days WHERE day >= $1::date AND day < $2::date`,
      [from, to],
    );
    ranges[`${days}d`] = {
      visitors: exact.value,
      rollup_sessions_ms: rollup.ms,
      exact_days_ms: exact.ms,
      hll_ms: hll.ms,
      hll_estimate: hll.value,
      hll_error_pct: Math.round(((hll.value - exact.value) / exact.value) * 10000) / 100,
      same_exact: rollup.value === exact.value,
    };
  }
  out.ranges = ranges;
  await pool.query('DROP TABLE bench_exact_days, bench_hll_days');
  return out;
}

export async function rollupsBench(): Promise<void> {
  const { rows, sites, runs, writerRows, writerReps, keep } = benchSettings({
    rows: count('BENCH_ROWS', 3_000_000, 'events rows'),
    sites: count('BENCH_SITES', 50, 'sites; the first takes ~40% of the events, all of them when alone', 1),
    runs: runsOf(10),
    writerRows: count('BENCH_WRITER_ROWS', 100_000, 'rows of the writer run'),
    writerReps: count('BENCH_WRITER_REPS', 3, 'writer runs (0: skip)', 0),
    keep: keepDb(),
  });
  const siteIds = Array.from({ length: sites }, (_, i) => `rsite${String(i).padStart(3, '0')}`);
  // pickSkewed(r, items, 2) picks index floor(r^2 * n): 9 copies of the big site of 58 entries give it
  // sqrt(9/58) ~ 39% of the sessions.
  const weighted = [...Array<string>(9).fill(siteIds[0]!), ...siteIds.slice(1)];
  const figures: Figure[] = [];
  const extra: Record<string, unknown> = { rows, sites, runs, writer_rows: writerRows };

  // ---- 3. writer throughput first (on a quiet database server, before the big data set exists)
  const writer: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let i = 0; i < writerReps; i++) {
    for (const mode of ['off', 'on'] as const) {
      const rate = await writerRun(writerRows, mode === 'on');
      writer[mode].push(rate);
      console.log(`rollups bench: writer, rollups ${mode}: ${Math.round(rate)} rows/s`);
    }
  }
  const wOn = writerReps > 0 ? median(writer.on) : NaN;
  const wOff = writerReps > 0 ? median(writer.off) : NaN;
  if (writerReps > 0)
    figures.push({
      name: 'writer rows/s with rollups on',
      value: Math.round(wOn),
      unit: 'rows/s',
      ratio: wOn / wOff,
      baseline: `of rollups off (${Math.round(wOff)} rows/s); goal >= 0.8`,
    });
  extra.writer = writer;

  const db = await benchDatabase(siteIds);
  const apis: ChildProcess[] = [];
  try {
    await psql(
      db.url,
      `SELECT count(*) FROM beacon_ensure_event_partitions(now() - interval '14 months', 15)`,
    );
    await psql(
      db.url,
      `UPDATE sites SET config = '{"timezone": "Europe/Berlin"}' WHERE script_id = '${siteIds[0]}'`,
    );
    console.log(`rollups bench: seeding ${rows.toLocaleString('en-US')} events by COPY ...`);
    const copySeconds = await copyRows(db.url, rows, weighted);
    await psql(db.url, 'VACUUM ANALYZE events');
    console.log('rollups bench: building rollups ...');
    const t0 = performance.now();
    for (const s of siteIds) await rebuildRollups(db.pool, { siteId: s, chunkHours: 24 * 7 });
    const buildSeconds = (performance.now() - t0) / 1000;
    await psql(db.url, 'VACUUM ANALYZE rollup_sessions');
    await psql(db.url, 'VACUUM ANALYZE rollup_names');
    const sizes = (
      await db.pool.query(`
        SELECT (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'events'::regclass)::bigint AS events_bytes,
               pg_total_relation_size('rollup_sessions') AS sessions_bytes,
               pg_total_relation_size('rollup_names') AS names_bytes,
               (SELECT count(*) FROM rollup_sessions)::int AS sessions_rows,
               (SELECT count(*) FROM rollup_names)::int AS names_rows,
               (SELECT count(*) FROM events WHERE site_id = '${siteIds[0]}')::int AS big_rows`)
    ).rows[0];
    Object.assign(extra, sizes, {
      copy_rows_per_s: Math.round(rows / copySeconds),
      rollup_build_seconds: buildSeconds,
    });
    console.log(
      `rollups bench: built in ${buildSeconds.toFixed(1)} s; events ${(sizes.events_bytes / 2 ** 20).toFixed(0)} MiB, rollups ${((Number(sizes.sessions_bytes) + Number(sizes.names_bytes)) / 2 ** 20).toFixed(0)} MiB`,
    );
    figures.push({
      name: 'rollup size (rollup_sessions + rollup_names)',
      value: Math.round((Number(sizes.sessions_bytes) + Number(sizes.names_bytes)) / 2 ** 20),
      unit: 'MiB',
      ratio: (Number(sizes.sessions_bytes) + Number(sizes.names_bytes)) / Number(sizes.events_bytes),
      baseline: 'of events (all partitions, with indexes)',
    });
    await addBenchUser(db.url);
    const siteUuid = (await psql(db.url, `SELECT id FROM sites WHERE script_id = '${siteIds[0]}'`)).trim();

    const rolled = await startApi(db.url, true);
    apis.push(rolled.child);
    const raw = await startApi(db.url, false);
    apis.push(raw.child);
    const tokens = { rollup: await benchToken(rolled.url), events: await benchToken(raw.url) };
    const urls = { rollup: rolled.url, events: raw.url };

    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    // Goals of the big site (answered from rollups / rollup_days: no property condition, no event value).
    await psql(
      db.url,
      `INSERT INTO goals (site_id, name, kind, event_name, value_mode, value_amount)
         VALUES ('${siteIds[0]}', 'purchase', 'purchase', 'purchase', 'fixed', 10);
       INSERT INTO goals (site_id, name, kind, page_pattern, page_regex)
         VALUES ('${siteIds[0]}', 'category 7', 'page', '/products/category-7/**', '^/products/category-7/.*$')`,
    );
    const endpoints: Record<string, string> = {
      overview: 'stats/overview?',
      timeseries: 'stats/timeseries?interval=day&',
      top_pages: 'stats/breakdown/pages?limit=10&',
      referrers: 'stats/breakdown/referrers?limit=10&',
      utm: 'stats/breakdown/utm_campaigns?limit=10&',
      companies: 'companies?limit=10&',
      goals: 'stats/goals?',
    };
    /** BENCH_RUNS + 1 requests of one question; the answer and the source header are checked. */
    const measure = async (api: 'rollup' | 'events', want: string[], what: string, path: string) => {
      const ms: number[] = [];
      let body = '';
      for (let i = 0; i <= runs; i++) {
        const started = performance.now();
        const r = await fetch(`${urls[api]}/v1/sites/${siteUuid}/${path}`, {
          headers: { authorization: `Bearer ${tokens[api]}` },
        });
        body = await r.text();
        ms.push(performance.now() - started);
        if (r.status !== 200) throw new Error(`${what} ${api}: HTTP ${r.status} ${body.slice(0, 200)}`);
        const got = r.headers.get('x-beacon-source') ?? '';
        if (!want.includes(got)) throw new Error(`${what}: expected source ${want.join('|')}, got ${got}`);
      }
      return { ms, body, source: '' };
    };
    const timings: Record<string, Record<string, number[]>> = {};
    const errors: Record<string, number> = {};
    const ranges = [7, 30, 90].map((days) => ({
      days,
      range: `from=${dayOf(today - (days - 1) * 86_400_000)}&to=${dayOf(today)}`,
    }));
    // (a) hourly rollups (per-session stitching) against raw events: identical answers.
    const rawBodies: Record<string, string> = {};
    for (const { days, range } of ranges)
      for (const [name, path] of Object.entries(endpoints)) {
        const key = `${name}_${days}d`;
        const ev = await measure('events', ['events'], key, path + range);
        const hr = await measure('rollup', ['rollup'], key, path + range);
        if (hr.body !== ev.body) throw new Error(`${key}: rollup and events answers differ`);
        rawBodies[key] = ev.body;
        timings[key] = { events: ev.ms, rollup: hr.ms };
      }
    // (b) freeze the big site's complete local days into rollup_days (what upkeep does every round for
    // the last days, and compaction for old ones), then the same questions again.
    const f0 = performance.now();
    await freezeDays(db.pool, siteIds[0]!, new Date(today - 400 * 86_400_000), new Date(today - 86_400_000));
    extra.freeze_seconds = (performance.now() - f0) / 1000;
    await psql(db.url, 'VACUUM ANALYZE rollup_days');
    extra.rollup_days_bytes = Number(
      (await db.pool.query(`SELECT pg_total_relation_size('rollup_days') AS b`)).rows[0].b,
    );
    console.log(`rollups bench: froze the big site's days in ${Number(extra.freeze_seconds).toFixed(1)} s`);
    for (const { days, range } of ranges)
      for (const [name, path] of Object.entries(endpoints)) {
        const key = `${name}_${days}d`;
        const dy = await measure('rollup', ['days', 'rollup'], key, path + range);
        timings[key]!.days = dy.ms;
        errors[key] = compareAnswers(key, JSON.parse(dy.body), JSON.parse(rawBodies[key]!));
      }
    for (const [key, t] of Object.entries(timings)) {
      const p95 = (xs: number[]) => percentile(xs.slice(1), 95);
      const [ev, hr, dy] = [p95(t.events!), p95(t.rollup!), p95(t.days!)];
      figures.push({
        name: `${key} p95 days (hourly rollups ${hr.toFixed(1)} ms, events ${ev.toFixed(1)} ms; max distinct-count error ${(errors[key]! * 100).toFixed(2)}%)`,
        value: Math.round(dy * 10) / 10,
        unit: 'ms',
        ratio: ev / dy,
        baseline: 'faster than raw events',
      });
      console.log(
        `rollups bench: ${key} p95 days ${dy.toFixed(1)} / hourly ${hr.toFixed(1)} / events ${ev.toFixed(1)} ms (${(ev / dy).toFixed(1)}x), first ${t.days![0]!.toFixed(1)} / ${t.rollup![0]!.toFixed(1)} / ${t.events![0]!.toFixed(1)} ms, distinct error ${(errors[key]! * 100).toFixed(2)}%`,
      );
    }
    extra.distinct_count_errors = errors;
    extra.timings = timings;
    const hll = await hllMeasure(db.pool, siteIds[0]!, 'Europe/Berlin');
    extra.unique_visitors = hll ?? 'hll extension not installed (apt-get install postgresql-15-hll): skipped';
    if (hll) console.log(`rollups bench: unique visitors exact vs hll: ${JSON.stringify(hll)}`);
    extra.note =
      'shared 2-core machine: absolute times are noisy. Query ratios = events p95 / rollup p95 of the same HTTP request; writer ratio = rows/s with rollups on / off. Scaled down from the issue (30M events, 12M in the biggest site).';
    await report('rollups', figures, extra);
  } finally {
    for (const c of apis) await stopProcess(c);
    if (keep) {
      await db.pool.end();
      console.log(`kept database ${db.name}`);
    } else await db.drop();
  }
}
