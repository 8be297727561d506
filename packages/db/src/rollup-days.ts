import type pg from 'pg';
import * as sql from './sql/rollup-days.js';
import { inTransaction } from './transaction.js';

/**
 * Anonymous per-day aggregates (docs/rollups.md, "Per-day aggregates and compaction").
 *
 * - `freezeDays`: recomputes complete local days of a site from its hourly rollups (kept alongside, so
 *   long dashboard ranges add up days instead of stitching sessions).
 * - `compactHours`: folds the hours of [from, to) — widened to whole local days — into rollup_days and
 *   deletes their hourly per-session rows: afterwards no per-person key of those days is left. Called
 *   by retention past the retention window and by erasure for an erased person's hours. Period totals
 *   are exactly what they were.
 */
export interface DaysReport {
  siteId: string;
  tz: string;
  /** Local days [fromDay, toDay) (YYYY-MM-DD). */
  fromDay: string;
  toDay: string;
  /** rollup_days rows written. */
  rows: number;
  /** Hourly rows deleted (compaction only). */
  deletedSessions: number;
  deletedNames: number;
  /** Whether sketches were written (the hll extension is present). */
  sketches: boolean;
}

let sketchCache: WeakMap<object, boolean> = new WeakMap();

/** Whether rollup_days carries the hll sketch columns (the extension existed when migration 0130 ran). */
export async function hasSketches(pool: {
  query(text: string): Promise<{ rows: unknown[] }>;
}): Promise<boolean> {
  const hit = sketchCache.get(pool);
  if (hit !== undefined) return hit;
  const { rows } = await pool.query(sql.sketchColumns);
  const v = (rows[0] as { hll?: boolean } | undefined)?.hll === true;
  sketchCache.set(pool, v);
  return v;
}

/** For tests that add or drop the extension on a live pool. */
export function forgetSketchCache(): void {
  sketchCache = new WeakMap();
}

async function siteZone(client: pg.ClientBase, siteId: string, tz?: string): Promise<string> {
  if (tz) return tz;
  const { rows } = await client.query<{ tz: string }>(sql.siteZone, [siteId]);
  return rows[0]?.tz ?? 'UTC';
}

async function fold(
  pool: pg.Pool,
  siteId: string,
  range: { from: Date; to: Date } | { fromDay: string; toDay: string },
  opts: { tz?: string; compact: boolean },
): Promise<DaysReport> {
  const sketches = await hasSketches(pool);
  return inTransaction(pool, async (c) => {
    // The site's writers wait (and are waited for): the hourly rows read here are complete.
    await c.query(sql.lockSite, [siteId]);
    const tz = await siteZone(c, siteId, opts.tz);
    let fromDay: string;
    let toDay: string;
    if ('fromDay' in range) ({ fromDay, toDay } = range);
    else {
      const { rows } = await c.query<{ lo: string; hi: string }>(sql.localDaysOf, [tz, range.from, range.to]);
      fromDay = rows[0]!.lo;
      toDay = rows[0]!.hi;
    }
    const days = [siteId, tz, fromDay, toDay];
    await c.query(sql.deleteUncompacted, days);
    const written = await c.query(sql.freezeDays(sketches), days);
    const report: DaysReport = {
      siteId,
      tz,
      fromDay,
      toDay,
      rows: written.rowCount ?? 0,
      deletedSessions: 0,
      deletedNames: 0,
      sketches,
    };
    if (opts.compact) await c.query(sql.markCompacted, days);
    // Hourly rows of compacted days (now, or earlier ones that received late events) go.
    const { rows: span } = await c.query<{ s: Date; e: Date }>(sql.daySpan, [tz, fromDay, toDay]);
    const { s, e } = span[0]!;
    report.deletedSessions = (await c.query(sql.deleteFoldedSessions, [siteId, s, e])).rowCount ?? 0;
    report.deletedNames = (await c.query(sql.deleteFoldedNames, [siteId, s, e])).rowCount ?? 0;
    return report;
  });
}

/**
 * Recomputes the site's local days covering [from, to) (in `tz`, default the site's timezone) from
 * the hourly rollups. Only complete days should be frozen (the caller's range ends at a past
 * midnight): a frozen day is read as the whole day. Running it again changes nothing.
 */
export function freezeDays(pool: pg.Pool, siteId: string, from: Date, to: Date, tz?: string) {
  return fold(pool, siteId, { from, to }, { tz, compact: false });
}

/**
 * Folds the site's hours [from, to), widened to whole local days of its timezone, into rollup_days and
 * deletes those days' hourly per-session rows (the only rollup rows holding visitor/session hashes).
 * Totals of every period stay as they were; distinct counts of each day stay exact. The entry point
 * for erasure (compact the hours an erased person was seen in) and for retention (everything older
 * than the cut-off).
 */
export function compactHours(pool: pg.Pool, siteId: string, from: Date, to: Date, tz?: string) {
  return fold(pool, siteId, { from, to }, { tz, compact: true });
}

/**
 * Retention's step for rollups: compacts every hour of the site before `cutoff` that still has hourly
 * rows (widened to whole local days, so the day holding the cut-off is compacted whole). Null when
 * there was nothing to compact.
 */
export async function compactBefore(pool: pg.Pool, siteId: string, cutoff: Date): Promise<DaysReport | null> {
  const { rows } = await pool.query<{ first: Date | null }>(sql.firstHourBefore, [siteId, cutoff]);
  const first = rows[0]?.first;
  if (!first) return null;
  return compactHours(pool, siteId, first, cutoff);
}

/**
 * Upkeep: freezes the last `days` complete local days of every covered site (late events of those
 * days are picked up again on the next rounds). Older days are frozen by compaction or by
 * `beacon rollups freeze`. Out: the reports, one per site that had days to freeze.
 */
export async function freezeRecentDays(
  pool: pg.Pool,
  opts: { now?: Date; days?: number } = {},
): Promise<DaysReport[]> {
  const now = opts.now ?? new Date();
  const { rows: sites } = await pool.query<{ site_id: string; since: unknown }>(sql.coveredSites);
  const out: DaysReport[] = [];
  for (const s of sites) {
    const { rows: z } = await pool.query<{ tz: string }>(sql.siteZone, [s.site_id]);
    const tz = z[0]?.tz ?? 'UTC';
    const { rows } = await pool.query<{ lo: Date; hi: Date }>(sql.recentDays, [
      tz,
      now,
      opts.days ?? 2,
      s.since,
    ]);
    const { lo, hi } = rows[0]!;
    if (!(lo instanceof Date) || lo >= hi) continue;
    out.push(await freezeDays(pool, s.site_id, lo, hi, tz));
  }
  return out;
}

/**
 * `beacon rollups freeze`: freezes the site's local days [fromDay, toDay) (YYYY-MM-DD; default from the
 * day of its earliest hourly row to today, excluded: only complete days).
 */
export async function freezeSiteDays(
  pool: pg.Pool,
  siteId: string,
  opts: { fromDay?: string; toDay?: string; now?: Date } = {},
): Promise<DaysReport | null> {
  const { rows: z } = await pool.query<{ tz: string }>(sql.siteZone, [siteId]);
  const tz = z[0]?.tz ?? 'UTC';
  const { rows } = await pool.query<{ first: string | null; today: string }>(sql.siteDayBounds, [
    siteId,
    tz,
    opts.now ?? new Date(),
  ]);
  const fromDay = opts.fromDay ?? rows[0]?.first;
  const toDay = opts.toDay ?? rows[0]!.today;
  if (!fromDay || !(fromDay < toDay)) return null;
  return fold(pool, siteId, { fromDay, toDay }, { tz, compact: false });
}
