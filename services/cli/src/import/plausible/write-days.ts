import { rollupDaysSql, type PoolClient } from '@beacon/db';
import { UserError } from '../../context.js';
import * as sql from '../../sql/imports.js';

/**
 * Writes the staged, grouped days of an aggregate import into rollup_days, day by day as planned:
 * a day that holds the site's own data (events, hourly rollups, a frozen day with counts) or is not
 * over yet is refused — the whole import, unless the caller skips such days — so Beacon's events and
 * an import never count the same day twice; a day imported before with the same figures is left as
 * it is (a second run changes nothing); one with other figures is replaced.
 */

export type DayState = 'new' | 'same' | 'changed' | 'beacon' | 'current';

export interface PlannedDay {
  day: string;
  fingerprint: string;
  state: DayState;
}

export interface DaysTally {
  /** Days written (new or replaced). */
  written: number;
  /** Of those, days that replaced an earlier import with other figures. */
  replaced: number;
  /** Days imported before with the same figures: left alone. */
  unchanged: number;
  /** Days left out because the site has data of its own there (--skip-overlap). */
  overlapping: string[];
  /** Days left out because they are not over yet (--skip-overlap). */
  current: string[];
}

/** Consecutive days as "first..last" ranges, for messages. */
export function ranges(days: readonly string[]): string {
  const out: string[] = [];
  let start: string | null = null;
  let prev: string | null = null;
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  for (const d of days) {
    if (prev !== null && next(prev) === d) {
      prev = d;
      continue;
    }
    if (start !== null) out.push(start === prev ? start : `${start}..${prev}`);
    start = prev = d;
  }
  if (start !== null) out.push(start === prev ? start : `${start}..${prev}`);
  return out.join(', ');
}

export async function planImport(
  client: PoolClient,
  site: string,
  tz: string,
  span: { first: string; last: string },
  source: string,
  skipOverlap: boolean,
): Promise<PlannedDay[]> {
  const { rows } = await client.query<PlannedDay>(sql.planDays, [site, tz, span.first, span.last, source]);
  const own = rows.filter((r) => r.state === 'beacon').map((r) => r.day);
  const current = rows.filter((r) => r.state === 'current').map((r) => r.day);
  if (!skipOverlap && (own.length > 0 || current.length > 0)) {
    const why = [
      own.length ? `${ranges(own)} already hold this site's own data (events or rollups)` : '',
      current.length ? `${ranges(current)} ${current.length === 1 ? 'is' : 'are'} not over yet in ${tz}` : '',
    ].filter(Boolean);
    throw new UserError(
      `nothing imported: ${why.join('; ')}. Pass --skip-overlap to import the other days only`,
    );
  }
  return rows;
}

/** Writes the planned days `chunkDays` at a time, one transaction each under the site's rollup lock. */
export async function writeDays(
  client: PoolClient,
  site: string,
  tz: string,
  plan: readonly PlannedDay[],
  source: string,
  onChunk: (t: DaysTally) => void,
  chunkDays = 31,
): Promise<DaysTally> {
  const tally: DaysTally = {
    written: 0,
    replaced: 0,
    unchanged: plan.filter((d) => d.state === 'same').length,
    overlapping: plan.filter((d) => d.state === 'beacon').map((d) => d.day),
    current: plan.filter((d) => d.state === 'current').map((d) => d.day),
  };
  const todo = plan.filter((d) => d.state === 'new' || d.state === 'changed');
  for (let i = 0; i < todo.length; i += chunkDays) {
    const chunk = todo.slice(i, i + chunkDays);
    const days = chunk.map((d) => d.day);
    await client.query('BEGIN');
    try {
      // The site's writers wait (the lock a rebuild takes): no event can land on these days unseen.
      await client.query(rollupDaysSql.lockSite, [site]);
      const { rows: own } = await client.query<{ day: string }>(sql.beaconDays, [site, tz, days]);
      if (own.length > 0)
        throw new UserError(
          `stopped: ${ranges(own.map((r) => r.day))} received data of this site while importing; earlier days were imported`,
        );
      await client.query(sql.clearDays, [site, tz, days]);
      await client.query(sql.writeDays, [site, tz, days]);
      await client.query(sql.addDayNames, [site, tz, days]);
      await client.query(sql.markDays, [site, tz, days, chunk.map((d) => d.fingerprint), source]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    tally.written += chunk.length;
    tally.replaced += chunk.filter((d) => d.state === 'changed').length;
    onChunk(tally);
  }
  return tally;
}

/** Days before an import that are frozen empty, so ranges starting there still read the import. */
export const LEAD_IN_DAYS = 800;

/** Coverage for a site without events, and the empty days before the import (see the statements). */
export async function joinUp(client: PoolClient, site: string, tz: string, first: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(rollupDaysSql.lockSite, [site]);
    await client.query(sql.coverSite, [site]);
    await client.query(sql.freezeEmptyBefore, [site, tz, first, LEAD_IN_DAYS]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
