import { rebuildRollups } from '@beacon/db';
import { goalStats } from '../../../services/api/dist/queries/conversions.js';
import { funnelStats, type FunnelDef } from '../../../services/api/dist/queries/funnels.js';
import { pagePatternRegex, type GoalDef } from '../../../services/api/dist/queries/goals.js';
import * as q from '../../../services/api/dist/queries/index.js';
import { funnel as funnelSql } from '../../../services/api/dist/queries/statements/funnels.js';
import { median, percentile, report, type Figure } from '../report.js';
import { psql } from '../psql.js';
import { benchDatabase } from './copy.js';
import { copyRows } from './api.js';
import { benchSettings, count, keepDb, runs as runsOf } from '../settings.js';

/**
 * `pnpm bench conversions` (docs/conversions.md): goal conversions and funnels on one big site.
 *  Seeds BENCH_ROWS events (default 1,500,000) by COPY over the last 35 days for 10 sites, the biggest
 *  ~40% of them (~600k events in its last 30 days: about the 30-day volume of the 12M-event site
 *  over 13 months, scaled to what the shared machine seeds in minutes), and builds its rollups.
 *  Then, BENCH_RUNS warm runs after a first one, in-process through the API's query functions:
 *   - goal figures (3 goals: a page pattern, a built-in kind, a custom event) over 30 days from rollups,
 *     baseline the same from raw events (answers compared);
 *   - a channels breakdown with conversion_goal, rollups vs raw events;
 *   - a 4-step session funnel over 30 days and a visitor funnel within 7 days over 30 days, baseline
 *     the overview of the same range from raw events (a scan of the same rows); their plans are saved.
 * The writer is unchanged by conversions (no ingest-time work), so its throughput is not re-measured.
 */
export async function conversionsBench(): Promise<void> {
  const { rows, runs, keep } = benchSettings({
    rows: count('BENCH_ROWS', 1_500_000, 'events rows'),
    runs: runsOf(10),
    keep: keepDb(),
  });
  const siteIds = Array.from({ length: 10 }, (_, i) => `csite${String(i).padStart(2, '0')}`);
  const weighted = [...Array<string>(2).fill(siteIds[0]!), ...siteIds.slice(1)];
  const figures: Figure[] = [];
  const extra: Record<string, unknown> = { rows, runs };
  const db = await benchDatabase(siteIds);
  try {
    await psql(db.url, `SELECT count(*) FROM beacon_ensure_event_partitions(now() - interval '2 months', 2)`);
    console.log(`conversions bench: seeding ${rows.toLocaleString('en-US')} events by COPY ...`);
    await copyRows(db.url, rows, weighted, 35);
    await psql(db.url, 'VACUUM ANALYZE events');
    const site = siteIds[0]!;
    console.log('conversions bench: building rollups of the big site ...');
    await rebuildRollups(db.pool, { siteId: site, chunkHours: 24 * 7 });
    await psql(db.url, 'VACUUM ANALYZE rollup_sessions');
    await psql(db.url, 'VACUUM ANALYZE rollup_names');
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const range = { from: dayOf(today - 29 * 86_400_000), to: dayOf(today) };
    extra.big_site_events_30d = Number(
      (
        await db.pool.query(
          `SELECT count(*) AS n FROM events WHERE site_id = $1 AND server_timestamp >= $2::date`,
          [site, range.from],
        )
      ).rows[0].n,
    );
    // No company detail is asked here, so no agency's company facts are needed.
    const stats: q.StatsSite = {
      scriptId: site,
      agencyId: '00000000-0000-0000-0000-000000000000',
      config: { timezone: 'UTC' },
    };
    const goal = (id: string, name: string, over: Partial<GoalDef>): GoalDef => ({
      id,
      name,
      kind: 'event',
      page_pattern: null,
      page_regex: null,
      event_name: null,
      property_key: null,
      property_value: null,
      value_mode: 'none',
      value_amount: null,
      value_key: null,
      ...over,
    });
    const goals = [
      goal('00000000-0000-4000-8000-000000000001', 'category 3', {
        kind: 'page',
        page_pattern: '/products/category-3/*',
        page_regex: pagePatternRegex('/products/category-3/*'),
      }),
      goal('00000000-0000-4000-8000-000000000002', 'forms', {
        kind: 'form_submit',
        event_name: 'form_submit',
      }),
      goal('00000000-0000-4000-8000-000000000003', 'purchase', {
        event_name: 'purchase',
        value_mode: 'fixed',
        value_amount: '10',
      }),
    ];
    const on: q.StatsDeps = { pool: db.pool, rollups: true };
    const off: q.StatsDeps = { pool: db.pool, rollups: false };

    /** First run, then `runs` warm runs: timings (ms) and the last answer. */
    const time = async <T>(fn: () => Promise<T>) => {
      const ms: number[] = [];
      let answer: T | undefined;
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        answer = await fn();
        ms.push(performance.now() - t0);
      }
      return { first: ms[0]!, warm: ms.slice(1), answer: answer! };
    };
    const compare = async (
      name: string,
      goal: number,
      fast: () => Promise<unknown>,
      base: () => Promise<unknown>,
      baseName: string,
      equal: boolean,
    ) => {
      const a = await time(fast);
      const b = await time(base);
      if (equal && JSON.stringify(a.answer) !== JSON.stringify(b.answer))
        throw new Error(`${name}: the two answers differ`);
      const p95 = percentile(a.warm, 95);
      const p95b = percentile(b.warm, 95);
      figures.push({
        name: `${name} p95 (${baseName} ${p95b.toFixed(1)} ms; goal <= ${goal} ms)`,
        value: Math.round(p95 * 10) / 10,
        unit: 'ms',
        ratio: p95b / p95,
        baseline: `x faster than ${baseName}`,
      });
      console.log(
        `conversions bench: ${name}: p50 ${median(a.warm).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, first ${a.first.toFixed(1)} ms; ${baseName} p95 ${p95b.toFixed(1)} ms`,
      );
      return { a, b };
    };
    const sq = q.statsQuery.parse(range);
    await compare(
      'goal conversions 30d (3 goals, rollups)',
      150,
      () => goalStats(on, stats, sq, goals),
      () => goalStats(off, stats, sq, goals),
      'raw events',
      true,
    );
    // conversion_goal on a breakdown needs a stored goal (it is looked up by id).
    const stored = await db.pool.query<{ id: string }>(
      `INSERT INTO goals (site_id, name, kind, event_name) VALUES ($1, 'forms', 'form_submit', 'form_submit') RETURNING id`,
      [site],
    );
    const bq = q.breakdownQuery.parse({ ...range, conversion_goal: stored.rows[0]!.id });
    await compare(
      'channels + conversion rate 30d (rollups)',
      150,
      () => q.breakdown(on, stats, 'channels', bq),
      () => q.breakdown(off, stats, 'channels', bq),
      'raw events',
      true,
    );

    const steps = [
      {
        type: 'page' as const,
        page_pattern: '/products/category-1/**',
        page_regex: pagePatternRegex('/products/category-1/**'),
      },
      {
        type: 'page' as const,
        page_pattern: '/products/category-2/**',
        page_regex: pagePatternRegex('/products/category-2/**'),
      },
      { type: 'event' as const, event_name: 'form_submit' },
      { type: 'event' as const, event_name: 'purchase' },
    ];
    const sessionFunnel: FunnelDef = {
      id: '00000000-0000-4000-8000-00000000000a',
      name: 's',
      steps,
      window_mode: 'session',
      window_days: null,
      direct: false,
    };
    const visitorFunnel: FunnelDef = { ...sessionFunnel, window_mode: 'visitor', window_days: 7 };
    const overviewRaw = () => q.overview(off, stats, sq);
    const sf = await compare(
      '4-step session funnel 30d',
      1000,
      () => funnelStats(off, stats, sessionFunnel, sq),
      overviewRaw,
      'raw overview of the range',
      false,
    );
    const vf = await compare(
      '4-step visitor funnel (7 days) 30d',
      2000,
      () => funnelStats(off, stats, visitorFunnel, sq),
      overviewRaw,
      'raw overview of the range',
      false,
    );
    extra.session_funnel = sf.a.answer;
    extra.visitor_funnel = vf.a.answer;
    // The plans (EXPLAIN ANALYZE of the funnel statement as the API builds it).
    const plan = async (f: FunnelDef) => {
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
      const { rows: p } = await db.pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, s.p.values);
      return p.map((r: Record<string, string>) => r['QUERY PLAN']);
    };
    extra.plan_session_funnel = await plan(sessionFunnel);
    extra.plan_visitor_funnel = await plan(visitorFunnel);
    console.log((extra.plan_session_funnel as string[]).join('\n'));
    extra.note =
      'shared 2-core machine: absolute times are noisy. Goal ratios = raw-events p95 / rollup p95 of the same question (answers equal); funnel ratios = p95 of the overview from raw events of the same range / funnel p95.';
    await report('conversions', figures, extra);
  } finally {
    if (keep) {
      await db.pool.end();
      console.log(`kept database ${db.name}`);
    } else await db.drop();
  }
}
