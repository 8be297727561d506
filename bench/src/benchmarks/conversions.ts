import { freezeDays, rebuildRollups } from '@beacon/db';
import { goalStats } from '../../../services/api/dist/queries/conversions.js';
import { funnelStats, type FunnelDef } from '../../../services/api/dist/queries/funnels.js';
import { goalDef, pagePatternRegex, type GoalDef } from '../../../services/api/dist/queries/goals.js';
import * as q from '../../../services/api/dist/queries/index.js';
import { funnel as funnelSql } from '../../../services/api/dist/queries/statements/funnels.js';
import { median, percentile, report, type Figure } from '../report.js';
import { psql } from '../psql.js';
import { createPool, migrate, type Pool } from '@beacon/db';
import { dbUrl, dropDatabase, type TestDatabase } from '@beacon/testkit';
import { benchDatabase } from './copy.js';
import { copyRows } from './api.js';
import { baselineAt, type Baseline } from '../baseline.js';
import { baselineDir, benchSettings, count, keepDb, reuseDb, runs as runsOf } from '../settings.js';
import { writerRun } from './rollups.js';

/**
 * `pnpm bench conversions` (docs/conversions.md): goal conversions and funnels on one big site.
 *  Seeds BENCH_ROWS events (default 1,500,000) by COPY over the last 35 days for 10 sites, the biggest
 *  ~40% of them (~600k events in its last 30 days: about the 30-day volume of the 12M-event site
 *  over 13 months, scaled to what the shared machine seeds in minutes), and builds its rollups.
 *  Then, BENCH_RUNS warm runs after a first one, in-process through the API's query functions:
 *   - goal figures (3 goals: a page pattern, a built-in kind, a custom event) over 30 days from rollups,
 *     baseline the same from raw events (answers compared);
 *   - a channels breakdown with conversion_goal, rollups vs raw events;
 *   - a 4-step session funnel over 30 days and a visitor funnel within 7 days over 30 days; their
 *     plans are saved (EXPLAIN ANALYZE, BUFFERS).
 * With BENCH_BASELINE_DIR (a built checkout of another commit, e.g. main), every question is also
 * answered by that checkout's query functions on the same data in the same run (answers compared), and
 * the writer's rows/s (BENCH_WRITER_REPS alternating runs of BENCH_WRITER_ROWS rows, rollups on) is
 * measured for both checkouts first. Each figure prints its ratio to its baselines and its target.
 * BENCH_KEEP_DB=1 keeps the database; BENCH_REUSE_DB=<name> runs on it again (migrated, no seeding).
 */
type ApiModules = {
  goalStats: typeof goalStats;
  funnelStats: typeof funnelStats;
  breakdown: typeof q.breakdown;
};

/** This checkout's and the baseline's writer rows/s, alternating (fresh database per run). */
async function writerSection(base: Baseline, rows: number, reps: number, figures: Figure[]) {
  const rates: Record<'now' | 'before', number[]> = { now: [], before: [] };
  for (let i = 0; i < reps; i++) {
    for (const who of ['before', 'now'] as const) {
      const rate = await writerRun(rows, true, who === 'before' ? base : undefined);
      rates[who].push(rate);
      console.log(
        `conversions bench: writer (${who === 'now' ? 'this checkout' : 'baseline'}): ${Math.round(rate)} rows/s`,
      );
    }
  }
  const [now, before] = [median(rates.now), median(rates.before)];
  figures.push({
    name: `writer rows/s, rollups on (median of ${reps}; goal >= 0.8x the baseline ${Math.round(before)} rows/s)`,
    value: Math.round(now),
    unit: 'rows/s',
    ratio: now / before,
    baseline: `of the baseline checkout: ${now / before >= 0.8 ? 'met' : 'NOT met'}`,
  });
  return rates;
}

/** The kept database `name` (migrated to this checkout), or a new one seeded with `rows` events. */
async function benchData(reuse: string, rows: number, siteIds: string[]): Promise<TestDatabase> {
  if (reuse) {
    const url = dbUrl(reuse);
    await migrate(url);
    const pool: Pool = createPool({ databaseUrl: url, applicationName: 'beacon-bench', max: 5 });
    console.log(`conversions bench: reusing database ${reuse}`);
    return {
      name: reuse,
      url,
      pool,
      drop: async () => {
        await pool.end();
        await dropDatabase(reuse);
      },
    };
  }
  const db = await benchDatabase(siteIds);
  await psql(db.url, `SELECT count(*) FROM beacon_ensure_event_partitions(now() - interval '2 months', 2)`);
  console.log(`conversions bench: seeding ${rows.toLocaleString('en-US')} events by COPY ...`);
  const weighted = [...Array<string>(2).fill(siteIds[0]!), ...siteIds.slice(1)];
  await copyRows(db.url, rows, weighted, 35);
  await psql(db.url, 'VACUUM ANALYZE events');
  console.log('conversions bench: building rollups of the big site ...');
  await rebuildRollups(db.pool, { siteId: siteIds[0]!, chunkHours: 24 * 7 });
  return db;
}

const goal = (id: string, name: string, over: Partial<GoalDef>): GoalDef => goalDef({ id, name, ...over });

const GOALS = [
  goal('00000000-0000-4000-8000-000000000001', 'category 3', {
    kind: 'page',
    page_pattern: '/products/category-3/*',
    page_regex: pagePatternRegex('/products/category-3/*'),
  }),
  goal('00000000-0000-4000-8000-000000000002', 'forms', { kind: 'form_submit', event_name: 'form_submit' }),
  goal('00000000-0000-4000-8000-000000000003', 'purchase', {
    event_name: 'purchase',
    value_mode: 'fixed',
    value_amount: '10',
  }),
];

const SESSION_FUNNEL: FunnelDef = {
  id: '00000000-0000-4000-8000-00000000000a',
  name: 's',
  steps: [
    {
      type: 'page',
      page_pattern: '/products/category-1/**',
      page_regex: pagePatternRegex('/products/category-1/**'),
    },
    {
      type: 'page',
      page_pattern: '/products/category-2/**',
      page_regex: pagePatternRegex('/products/category-2/**'),
    },
    { type: 'event', event_name: 'form_submit' },
    { type: 'event', event_name: 'purchase' },
  ],
  window_mode: 'session',
  window_days: null,
  direct: false,
};

/** EXPLAIN (ANALYZE, BUFFERS) of the funnel statement as this checkout's API builds it. */
async function funnelPlan(pool: Pool, stats: q.StatsSite, sq: q.StatsQuery, f: FunnelDef) {
  const s = q.scopeOf(stats, sq);
  const defs = f.steps.map((x) =>
    x.type === 'page'
      ? { type: 'page' as const, page_regex: x.page_regex }
      : { type: 'event' as const, event_name: (x as { event_name: string }).event_name, property: null },
  );
  const text = funnelSql(s, defs, {
    mode: f.window_mode,
    windowDays: f.window_days,
    direct: f.direct,
    breakdown: null,
  });
  const { rows: p } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, s.p.values);
  return p.map((r: Record<string, string>) => r['QUERY PLAN']);
}

/**
 * The functions of `fns` in turn (so that the shared machine's load falls on all of them alike): a
 * first run each, then `runs` warm rounds. Per function: timings (ms) and its last answer.
 */
async function timedInTurn(runs: number, fns: (() => Promise<unknown>)[]) {
  const ms = fns.map(() => [] as number[]);
  const answers: unknown[] = fns.map(() => undefined);
  for (let i = 0; i <= runs; i++) {
    for (const [k, fn] of fns.entries()) {
      const t0 = performance.now();
      answers[k] = await fn();
      ms[k]!.push(performance.now() - t0);
    }
  }
  return ms.map((m, k) => ({
    first: m[0]!,
    warm: m.slice(1),
    p95: percentile(m.slice(1), 95),
    answer: answers[k],
  }));
}

interface Question {
  name: string;
  target: number;
  now: () => Promise<unknown>;
  /** The same answer from raw events (goals), compared. */
  raw?: () => Promise<unknown>;
  /** The baseline checkout's answer, compared. */
  before?: () => Promise<unknown>;
}

/** Times one question (this checkout, raw, baseline), checks the answers agree, adds its figures. */
async function measure(runs: number, x: Question, figures: Figure[]) {
  const others: [string, () => Promise<unknown>][] = [];
  if (x.raw) others.push(['raw events', x.raw]);
  if (x.before) others.push(['baseline checkout', x.before]);
  const [now, ...rest] = await timedInTurn(runs, [x.now, ...others.map((o) => o[1])]);
  const met = now!.p95 <= x.target ? 'met' : 'NOT met';
  const line = [
    `${x.name}: p95 ${now!.p95.toFixed(1)} ms (p50 ${median(now!.warm).toFixed(1)}, first ${now!.first.toFixed(1)}); target <= ${x.target} ms: ${met}`,
  ];
  for (const [k, b] of rest.entries()) {
    const label = others[k]![0];
    if (JSON.stringify(b.answer) !== JSON.stringify(now!.answer))
      throw new Error(`${x.name}: ${label} answers differently`);
    figures.push({
      name: `${x.name} p95 (target <= ${x.target} ms: ${met}; ${label} ${b.p95.toFixed(1)} ms)`,
      value: Math.round(now!.p95 * 10) / 10,
      unit: 'ms',
      ratio: b.p95 / now!.p95,
      baseline: `x faster than ${label}`,
    });
    line.push(`${label} p95 ${b.p95.toFixed(1)} ms (${(b.p95 / now!.p95).toFixed(2)}x)`);
  }
  if (!rest.length)
    figures.push({
      name: `${x.name} p95 (target <= ${x.target} ms: ${met})`,
      value: Math.round(now!.p95 * 10) / 10,
      unit: 'ms',
    });
  console.log(`conversions bench: ${line.join('; ')}`);
  return Object.fromEntries([['this checkout', now!.warm], ...rest.map((b, k) => [others[k]![0], b.warm])]);
}

type GoalAnswer = Awaited<ReturnType<typeof goalStats>>;

/**
 * Goal figures once the range's past days are frozen (rollup_days, as the writer's upkeep and
 * `beacon rollups freeze` leave them; docs/rollups.md "Reading long ranges"): the days of the range
 * before today, then the same question (the answer's visitors and converters are then HyperLogLog
 * estimates across days). Out: the largest relative error of a visitors / converters figure against
 * `exact` (the hourly rows' answer).
 */
async function daysSection(
  db: TestDatabase,
  x: Question,
  site: string,
  from: string,
  today: number,
  exact: GoalAnswer,
  runs: number,
  figures: Figure[],
) {
  await freezeDays(db.pool, site, new Date(`${from}T00:00:00Z`), new Date(today), 'UTC');
  await psql(db.url, 'VACUUM ANALYZE rollup_days');
  const timings = await measure(runs, x, figures);
  const est = (await x.now()) as GoalAnswer;
  const rel = (a: number, b: number) => (b === 0 ? Math.abs(a) : Math.abs(a - b) / b);
  const errors = [rel(est.visitors, exact.visitors)];
  for (const [i, g] of est.items.entries()) errors.push(rel(g.converters, exact.items[i]!.converters));
  const worst = Math.max(...errors);
  console.log(
    `conversions bench: days estimate, largest relative error of visitors/converters ${(worst * 100).toFixed(2)} %`,
  );
  return { timings, largest_relative_error: worst, estimate: est, exact };
}

export async function conversionsBench(): Promise<void> {
  const { rows, runs, keep, reuse, baseDir, writerRows, writerReps } = benchSettings({
    rows: count('BENCH_ROWS', 1_500_000, 'events rows'),
    runs: runsOf(10),
    keep: keepDb(),
    reuse: reuseDb(),
    baseDir: baselineDir(),
    writerRows: count('BENCH_WRITER_ROWS', 50_000, 'rows of each writer run'),
    writerReps: count(
      'BENCH_WRITER_REPS',
      3,
      'writer runs per checkout (0: skip; needs BENCH_BASELINE_DIR)',
      0,
    ),
  });
  const base = await baselineAt(baseDir);
  const siteIds = Array.from({ length: 10 }, (_, i) => `csite${String(i).padStart(2, '0')}`);
  const figures: Figure[] = [];
  const extra: Record<string, unknown> = { rows, runs, baseline: base?.dir ?? null };
  if (base && writerReps > 0) extra.writer = await writerSection(base, writerRows, writerReps, figures);
  const db = await benchData(reuse, rows, siteIds);
  const pools: Pool[] = [];
  try {
    const site = siteIds[0]!;
    // The hourly questions first: days frozen by an earlier run on a kept database go (none is compacted).
    await db.pool.query('DELETE FROM rollup_days WHERE site_id = $1 AND NOT compacted', [site]);
    await psql(db.url, 'VACUUM ANALYZE rollup_sessions, rollup_names, rollup_name_dict');
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const range = { from: dayOf(today - 29 * 86_400_000), to: dayOf(today) };
    const n30 = `SELECT count(*) AS n FROM events WHERE site_id = $1 AND server_timestamp >= $2::date`;
    extra.big_site_events_30d = Number((await db.pool.query(n30, [site, range.from])).rows[0].n);
    // No company detail is asked here, so no agency's company facts are needed.
    const stats: q.StatsSite = {
      scriptId: site,
      agencyId: '00000000-0000-0000-0000-000000000000',
      config: { timezone: 'UTC' },
    };
    // Both checkouts' functions on a pool like the API's: sessions without JIT (createPool jit: false,
    // services/api/src/server.ts; main's API too since the conversions work). A baseline on the
    // server's default (JIT on) measured 1.1-1.3x slower than the same code without it.
    const apiPool = createPool({
      databaseUrl: db.url,
      applicationName: 'beacon-bench-api',
      max: 5,
      jit: false,
    });
    pools.push(apiPool);
    const on: q.StatsDeps = { pool: apiPool, rollups: true };
    const off: q.StatsDeps = { pool: apiPool, rollups: false };
    const baseOn: q.StatsDeps = { pool: apiPool, rollups: true };
    const baseOff: q.StatsDeps = { pool: apiPool, rollups: false };
    const api: ApiModules = { goalStats, funnelStats, breakdown: q.breakdown };
    const old: ApiModules | undefined = base && {
      ...(await base.load<Pick<ApiModules, 'goalStats'>>('services/api/dist/queries/conversions.js')),
      ...(await base.load<Pick<ApiModules, 'funnelStats'>>('services/api/dist/queries/funnels.js')),
      ...(await base.load<Pick<ApiModules, 'breakdown'>>('services/api/dist/queries/index.js')),
    };
    const sq = q.statsQuery.parse(range);
    // conversion_goal on a breakdown needs a stored goal (it is looked up by id); kept across reuses.
    const find = `SELECT id FROM goals WHERE site_id = $1 AND name = 'forms'`;
    const add = `INSERT INTO goals (site_id, name, kind, event_name) VALUES ($1, 'forms', 'form_submit', 'form_submit') RETURNING id`;
    const stored =
      (await db.pool.query<{ id: string }>(find, [site])).rows[0] ??
      (await db.pool.query<{ id: string }>(add, [site])).rows[0]!;
    const bq = q.breakdownQuery.parse({ ...range, conversion_goal: stored.id });
    const visitorFunnel: FunnelDef = { ...SESSION_FUNNEL, window_mode: 'visitor', window_days: 7 };
    const questions: Question[] = [
      {
        name: 'goal conversions 30d (3 goals, rollups)',
        target: 150,
        now: () => api.goalStats(on, stats, sq, GOALS),
        raw: () => api.goalStats(off, stats, sq, GOALS),
        before: old && (() => old.goalStats(baseOn, stats, sq, GOALS)),
      },
      {
        name: 'channels + conversion rate 30d (rollups)',
        target: 150,
        now: () => api.breakdown(on, stats, 'channels', bq),
        raw: () => api.breakdown(off, stats, 'channels', bq),
        before: old && (() => old.breakdown(baseOn, stats, 'channels', bq)),
      },
      {
        name: '4-step session funnel 30d',
        target: 1000,
        now: () => api.funnelStats(off, stats, SESSION_FUNNEL, sq),
        before: old && (() => old.funnelStats(baseOff, stats, SESSION_FUNNEL, sq)),
      },
      {
        name: '4-step visitor funnel (7 days) 30d',
        target: 2000,
        now: () => api.funnelStats(off, stats, visitorFunnel, sq),
        before: old && (() => old.funnelStats(baseOff, stats, visitorFunnel, sq)),
      },
    ];
    const timings: Record<string, unknown> = {};
    for (const x of questions) timings[x.name] = await measure(runs, x, figures);
    // Then the goal figures once the range's past days are frozen (the API reads them: source days).
    const seen = new Set<string>();
    const onDays: q.StatsDeps = { pool: apiPool, rollups: true, onSource: (x) => seen.add(x) };
    const exact = await api.goalStats(on, stats, sq, GOALS);
    const daysQ = {
      name: 'goal conversions 30d (3 goals, frozen days + today from hours)',
      target: 150,
      now: () => api.goalStats(onDays, stats, sq, GOALS),
      before: old && (() => old.goalStats(baseOn, stats, sq, GOALS)),
    };
    extra.days = await daysSection(db, daysQ, site, range.from, today, exact, runs, figures);
    if ([...seen].join() !== 'days') throw new Error(`goal figures after freezing read ${[...seen].join()}`);
    timings[daysQ.name] = (extra.days as { timings: unknown }).timings;
    // The channels breakdown with conversion_goal on the same frozen days, as production reads it.
    const chSeen = new Set<string>();
    const chDeps: q.StatsDeps = { pool: apiPool, rollups: true, onSource: (x) => chSeen.add(x) };
    const chDays: Question = {
      name: 'channels + conversion rate 30d (frozen days + today from hours)',
      target: 150,
      now: () => api.breakdown(chDeps, stats, 'channels', bq),
      before: old && (() => old.breakdown(baseOn, stats, 'channels', bq)),
    };
    timings[chDays.name] = await measure(runs, chDays, figures);
    extra.channels_days_sources = [...chSeen];
    console.log(`conversions bench: channels after freezing read ${[...chSeen].join()}`);
    extra.timings = timings;
    extra.plan_session_funnel = await funnelPlan(apiPool, stats, sq, SESSION_FUNNEL);
    extra.plan_visitor_funnel = await funnelPlan(apiPool, stats, sq, visitorFunnel);
    console.log((extra.plan_session_funnel as string[]).join('\n'));
    extra.note =
      'shared 2-core machine: absolute times are noisy, read the ratios of one run. Ratios = p95 of the raw-events answer (goals) or of the baseline checkout (BENCH_BASELINE_DIR) / p95 of this checkout; answers compared.';
    await report('conversions', figures, extra);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    if (keep) {
      await db.pool.end();
      console.log(`kept database ${db.name}`);
    } else await db.drop();
  }
}
