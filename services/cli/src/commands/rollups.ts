import type { Command } from 'commander';
import {
  freezeSiteDays,
  rebuildRollups,
  rollupSql,
  statisticsSql,
  verifyRollups,
  type RebuildReport,
} from '@beacon/db';
import { UsageError, UserError, type CliContext } from '../context.js';
import { commandGroup } from './group.js';
import { intArg } from '../validate.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A bound: YYYY-MM-DD is a UTC day (for --to, the whole day is included), anything else an ISO 8601
 * instant. Rollups are kept per UTC hour, so bounds are widened to whole hours.
 */
export function parseBound(value: string, end: boolean): Date {
  if (DAY.test(value)) {
    const t = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(t)) throw new UsageError(`not a date: ${value}`);
    return new Date(end ? t + 86_400_000 : t);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/[zZ]|[+-]\d{2}:?\d{2}$/.test(value)) {
    throw new UsageError(`expected YYYY-MM-DD or an ISO 8601 instant with offset: ${value}`);
  }
  return new Date(t);
}

async function sitesOf(c: CliContext, opts: { site?: string[]; all?: boolean }): Promise<string[]> {
  if (opts.all)
    return (await c.pool().query<{ script_id: string }>(rollupSql.allSites)).rows.map((r) => r.script_id);
  if (!opts.site?.length) throw new UsageError('name a site (--site <script_id>, repeatable) or --all');
  for (const s of opts.site) {
    const { rows } = await c.pool().query<{ known: boolean }>(rollupSql.siteKnown, [s]);
    if (!rows[0]?.known) throw new UserError(`no site or events with script_id ${s}`);
  }
  return opts.site;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** A rollups subcommand over sites: `--site` (repeatable) or `--all`, read by sitesOf. */
function perSite(rollups: Command, name: string, description: string): Command {
  return rollups
    .command(name)
    .description(description)
    .option('--site <script_id>', 'site (repeatable)', collect)
    .option('--all', 'every site');
}

/** What `each` answers for every site named by --site/--all, in order (a null answer is left out). */
async function eachSite<T>(
  c: CliContext,
  opts: { site?: string[]; all?: boolean },
  each: (siteId: string) => Promise<T | null>,
): Promise<T[]> {
  const reports: T[] = [];
  for (const siteId of await sitesOf(c, opts)) {
    const r = await each(siteId);
    if (r !== null) reports.push(r);
  }
  return reports;
}

function registerRebuild(rollups: Command, ctx: () => CliContext): void {
  perSite(
    rollups,
    'rebuild',
    "recompute a site's rollups from its stored events (repair; after an upgrade; after ROLLUPS_WRITE was off). Without --from, every hour that still has raw events",
  )
    .option(
      '--from <day|instant>',
      'first UTC day (YYYY-MM-DD) or instant; default the earliest stored event',
    )
    .option('--to <day|instant>', 'last UTC day (inclusive) or instant (exclusive); default now')
    .option(
      '--chunk-hours <n>',
      'hours per transaction (writers of the site wait for each)',
      intArg('--chunk-hours', 1, 8_784),
      24,
    )
    .action(
      async (opts: { site?: string[]; all?: boolean; from?: string; to?: string; chunkHours: number }) => {
        const c = ctx();
        const from = opts.from === undefined ? undefined : parseBound(opts.from, false);
        const to = opts.to === undefined ? undefined : parseBound(opts.to, true);
        if (from && to && !(from < to)) throw new UsageError('--from must be before --to');
        const reports: RebuildReport[] = await eachSite(c, opts, (siteId) =>
          rebuildRollups(c.pool(), {
            siteId,
            ...(from ? { from } : {}),
            ...(to ? { to } : {}),
            chunkHours: opts.chunkHours,
            log: (m) => (c.json ? undefined : console.error(m)),
          }),
        );
        // Planner statistics of what was just written in bulk (sql/statistics.ts).
        if (reports.some((r) => r.written > 0)) await c.pool().query(statisticsSql.analyzeRollupTables);
        c.out(
          reports
            .map(
              (r) =>
                `${r.siteId}: ${r.chunks} chunk(s) ${r.from?.toISOString() ?? '-'} .. ${r.to?.toISOString() ?? '-'}, ${r.deleted} row(s) removed, ${r.written} written; covered since ${String(r.coveredSince ?? 'none')}`,
            )
            .join('\n'),
          reports,
        );
      },
    );
}

function registerFreeze(rollups: Command, ctx: () => CliContext): void {
  perSite(
    rollups,
    'freeze',
    "freeze a site's complete local days (its timezone) into the per-day aggregates that long dashboard ranges read; the writer does the last two days every upkeep round",
  )
    .option('--from <day>', "first local day (YYYY-MM-DD); default the site's earliest hourly rollup")
    .option('--to <day>', 'last local day (inclusive); default yesterday')
    .action(async (opts: { site?: string[]; all?: boolean; from?: string; to?: string }) => {
      const c = ctx();
      for (const d of [opts.from, opts.to])
        if (d !== undefined && (!DAY.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))))
          throw new UsageError(`expected a day YYYY-MM-DD: ${d}`);
      const toDay =
        opts.to === undefined
          ? undefined
          : new Date(Date.parse(`${opts.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      const reports = await eachSite(c, opts, (siteId) =>
        freezeSiteDays(c.pool(), siteId, { fromDay: opts.from, toDay }),
      );
      if (reports.some((r) => r.rows > 0)) await c.pool().query(statisticsSql.analyzeRollupTables);
      c.out(
        reports
          .map((r) => `${r.siteId}: ${r.fromDay} .. ${r.toDay} (${r.tz}, excluded end), ${r.rows} row(s)`)
          .join('\n'),
        reports,
      );
    });
}

function registerVerify(rollups: Command, ctx: () => CliContext): void {
  perSite(
    rollups,
    'verify',
    "compare a site's rollups with a recomputation from its stored events (changes nothing)",
  ).action(async (opts: { site?: string[]; all?: boolean }) => {
    const c = ctx();
    const reports = await eachSite(c, opts, (siteId) => verifyRollups(c.pool(), siteId));
    c.out(reports.map((r) => `${r.siteId}: ${r.missing} missing, ${r.extra} extra`).join('\n'), reports);
    const bad = reports.filter((r) => r.missing > 0 || r.extra > 0).length;
    if (bad > 0)
      throw new UserError(`rollups differ from events for ${bad} site(s): run beacon rollups rebuild`);
  });
}

/** `beacon rollups rebuild|freeze|verify` (docs/rollups.md). */
export const registerRollups = commandGroup(
  'rollups',
  'aggregates of events kept indefinitely (docs/rollups.md)',
  [registerRebuild, registerFreeze, registerVerify],
);
