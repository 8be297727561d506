import type pg from 'pg';
import * as sql from './sql/rollups.js';
import { inTransaction } from './transaction.js';

/** Rows touched by one rollup step. */
export interface RollupApplyResult {
  sessions: number;
  names: number;
}

/**
 * The writer's rollup step, inside its open transaction, after the INSERT into events: adds the rows
 * that INSERT stored (see sql/rollups.ts `writerSource`). Takes the shared per-site locks first, so a
 * running `beacon rollups rebuild` of one of these sites is waited for (and waits for this transaction).
 */
export async function applyWriterRollups(client: pg.ClientBase): Promise<RollupApplyResult> {
  await client.query(sql.lockSitesShared(sql.writerSource));
  const { rows } = await client.query<RollupApplyResult>(sql.applyRollups(sql.writerSource, true));
  return rows[0] ?? { sessions: 0, names: 0 };
}

/** Rollups switched off in a writer: these sites' rollups are no longer complete (API uses events). */
export async function forgetRollupCoverage(client: pg.ClientBase, siteIds: readonly string[]): Promise<void> {
  if (siteIds.length > 0) await client.query(sql.forgetCoverage, [[...new Set(siteIds)].sort()]);
}

export interface RebuildOptions {
  siteId: string;
  /** Start (rounded down to the UTC hour); default the hour of the site's earliest stored event. */
  from?: Date;
  /** End, exclusive (rounded up to the hour); default two hours from now. */
  to?: Date;
  /** Hours per transaction (the site's writers wait for each one). */
  chunkHours?: number;
  now?: Date;
  log?: (msg: string) => void;
}

export interface RebuildReport {
  siteId: string;
  from: Date | null;
  to: Date | null;
  chunks: number;
  deleted: number;
  written: number;
  /** Coverage of the site afterwards (null: none). */
  coveredSince: Date | null;
}

const HOUR = 3_600_000;
const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR) * HOUR);
const ceilHour = (d: Date) => new Date(Math.ceil(d.getTime() / HOUR) * HOUR);

/**
 * Recomputes a site's rollups of [from, to) from its stored events, one chunk of hours per
 * transaction: exclusive site lock (writers of the site wait, then add their rows on top), delete the
 * chunk's rollup rows, roll up the chunk's events. Idempotent: run it again and nothing changes.
 * Hours whose raw events retention already dropped must not be rebuilt (they would become empty): the
 * default `from` is the site's earliest stored event.
 */
export async function rebuildRollups(pool: pg.Pool, opts: RebuildOptions): Promise<RebuildReport> {
  const log = opts.log ?? (() => undefined);
  const now = opts.now ?? new Date();
  const chunkMs = (opts.chunkHours ?? 24) * HOUR;
  const full = opts.from === undefined;
  let from: Date | null = opts.from ? floorHour(opts.from) : null;
  if (!from) {
    const { rows } = await pool.query<{ first: Date | null }>(sql.firstEventHour, [opts.siteId]);
    from = rows[0]?.first ?? null;
    // Rollups older than the earliest stored event mean retention has dropped events: its cutoff is
    // not on the hour, so the earliest hour may have lost some events and keeps its rollups.
    if (from) {
      const older = await pool.query(sql.rollupsBefore, [opts.siteId, from]);
      if ((older.rowCount ?? 0) > 0) from = new Date(from.getTime() + HOUR);
    }
  }
  const to = opts.to ? ceilHour(opts.to) : new Date(floorHour(now).getTime() + 2 * HOUR);
  const report: RebuildReport = {
    siteId: opts.siteId,
    from,
    to,
    chunks: 0,
    deleted: 0,
    written: 0,
    coveredSince: null,
  };
  if (from && from < to) {
    for (let lo = from.getTime(); lo < to.getTime(); lo += chunkMs) {
      const hi = new Date(Math.min(lo + chunkMs, to.getTime()));
      const params = [opts.siteId, new Date(lo), hi];
      await inTransaction(pool, async (client) => {
        await client.query(sql.lockSiteExclusive, [opts.siteId]);
        report.deleted += (await client.query(sql.deleteSessionsRange, params)).rowCount ?? 0;
        report.deleted += (await client.query(sql.deleteNamesRange, params)).rowCount ?? 0;
        const source = sql.rebuildSource;
        const { rows } = await client.query<RollupApplyResult>(sql.applyRollups(source, false), params);
        report.written += (rows[0]?.sessions ?? 0) + (rows[0]?.names ?? 0);
      });
      report.chunks++;
      log(`rebuilt ${opts.siteId} ${new Date(lo).toISOString()} .. ${hi.toISOString()}`);
    }
  }
  // A full rebuild holds every stored event; hours before the earliest one have no raw events left
  // (retention) and keep their rollups, which are then the only record of them.
  const since = full ? new Date(-8.64e15) : from;
  if (since) {
    const present = to.getTime() >= floorHour(now).getTime();
    await pool.query(present ? sql.widenCoverage : sql.joinCoverage, [
      opts.siteId,
      full ? '-infinity' : since,
      to,
    ]);
  }
  const { rows } = await pool.query<{ since: Date }>(sql.coverageOf, [opts.siteId]);
  report.coveredSince = rows[0]?.since ?? null;
  return report;
}

export interface VerifyReport {
  siteId: string;
  /** Rows a recomputation from events has and the stored rollups lack (or hold with other values). */
  missing: number;
  /** Stored rows the recomputation does not have. */
  extra: number;
}

/**
 * Compares a site's rollups with a recomputation from all its stored events (and its names with the
 * names dictionary: a name missing there counts as missing), changing nothing (the
 * recomputation runs in a transaction that is rolled back). Meaningful while retention has dropped no
 * event of the site (rollups past retention have no events left to compare with).
 */
export async function verifyRollups(pool: pg.Pool, siteId: string): Promise<VerifyReport> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(sql.lockSiteExclusive, [siteId]);
    await client.query(sql.snapshotForVerify.replaceAll('$1', pgLiteral(siteId)));
    const dict = await client.query<{ n: number }>(sql.namesMissingFromDict, [siteId]);
    const all = [siteId, '-infinity', 'infinity'];
    await client.query(sql.deleteSessionsRange, all);
    await client.query(sql.deleteNamesRange, all);
    await client.query(sql.applyRollups(sql.siteSource, false), [siteId]);
    const { rows } = await client.query<{ missing: number; extra: number }>(sql.compareWithSnapshot, [
      siteId,
    ]);
    const missing = Number(rows[0]!.missing) + dict.rows[0]!.n;
    return { siteId, missing, extra: Number(rows[0]!.extra) };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    // Destroyed, not reused: its session touched temporary tables, which a pooled writer connection
    // must not have seen before it sets temp_buffers.
    client.release(true);
  }
}

/** A text literal (for the multi-statement snapshot, which cannot take parameters). */
function pgLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
