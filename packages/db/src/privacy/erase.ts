import type pg from 'pg';
import { isRetryablePgError } from '../errors.js';
import * as sql from '../sql/privacy.js';
import { subjectKinds, subjectParams, type Subject } from './subject.js';

/**
 * Erasure of one person within an agency (docs/privacy-rights.md), as a persisted request walked
 * through phases. Every batch is one short transaction that also saves the progress (phase, cursor,
 * counts), so a run killed at any point resumes where it stopped (`resumeErasures`, `beacon privacy
 * resume`, or the API at start). One runner per request: it holds the request's advisory lock on a
 * connection of its own, released by PostgreSQL if the process dies.
 *
 * events       walk the agency's events by time slice, delete the person's (bounded batches) and note
 *              their client_ids, session_ids and recent event_ids
 * dead_events  delete the person's dead letters
 * sessions     delete session rows of the given client_id or of a session noted above
 * rollup_*     move rollup rows with the person's session/visitor keys to anonymous keys (counters kept,
 *              so period totals and distinct counts stay exactly as they were)
 * dedupe       delete the Redis dedupe markers of the noted recent events
 * settle       count what is left (rows stored while the run went on, late queued hits); anything →
 *              another pass from `settle_from`; nothing → done: identifiers, salt and notes are wiped
 */
export const ERASURE_PHASES = [
  'events',
  'dead_events',
  'sessions',
  'rollup_sessions',
  'rollup_names',
  'dedupe',
  'settle',
] as const;
export type ErasurePhase = (typeof ERASURE_PHASES)[number] | 'done';

export interface ErasureRow {
  id: string;
  agency_id: string;
  state: 'pending' | 'running' | 'done' | 'failed';
  phase: ErasurePhase;
  subject: Subject | null;
  subject_kinds: string[];
  salt: Buffer | null;
  cursor: Date | null;
  settle_from: Date;
  passes: number;
  counts: Record<string, number>;
  requested_by: string | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface ErasureOptions {
  /** Rows per statement. */
  batchSize: number;
  /** Hours of events scanned per step. */
  sliceHours: number;
  /** Events newer than this still have a dedupe marker in Redis (ENRICHER_DEDUPE_TTL_S). */
  dedupeTtlSeconds: number;
  /**
   * Deletes the dedupe markers of these `site_id:event_id` pairs and answers how many existed; null
   * when there is no Redis to reach (the phase is skipped and counted as `dedupe_skipped`).
   */
  deleteDedupeMarkers: ((pairs: string[]) => Promise<number>) | null;
  /** Pause between batches (go easy on a busy database). */
  pauseMs?: number;
  /** Called after each committed batch; a throw stops the run there (tests simulate a crash with it). */
  onBatch?: (p: { phase: ErasurePhase; rows: number }) => void | Promise<void>;
  log?: (msg: string) => void;
}

/** Passes (settle finding rows stored meanwhile) before the request is marked failed. */
const MAX_PASSES = 20;
const HOUR = 3_600_000;
const ATTEMPTS = 5;

/** Records a new erasure request (state pending). `settleSeconds`: PRIVACY_ERASE_SETTLE_MINUTES × 60. */
export async function createErasure(
  pool: pg.Pool,
  agencyId: string,
  subject: Subject,
  requestedBy: string | null,
  settleSeconds: number,
): Promise<ErasureRow> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<ErasureRow>(sql.insertErasure, [
      agencyId,
      JSON.stringify(subject),
      subjectKinds(subject),
      requestedBy,
      settleSeconds,
    ]);
    if (subject.client_id) await client.query(sql.insertGivenClientId, [rows[0]!.id, subject.client_id]);
    await client.query('COMMIT');
    return rows[0]!;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The request as stored (identifiers and salt included while it runs). */
export async function getErasure(pool: pg.Pool, id: string): Promise<ErasureRow | null> {
  return (await pool.query<ErasureRow>(sql.erasureById, [id])).rows[0] ?? null;
}

/**
 * Runs (or resumes) one request to its end. Answers the finished request, or null when another runner
 * holds it. A failure marks it `failed` (resumable) and is thrown.
 */
export async function runErasure(
  pool: pg.Pool,
  id: string,
  opts: ErasureOptions,
): Promise<ErasureRow | null> {
  const lock = await pool.connect();
  let locked = false;
  try {
    locked = Boolean((await lock.query<{ locked: boolean }>(sql.tryLockErasure, [id])).rows[0]?.locked);
    if (!locked) return null;
    const r = await getErasure(pool, id);
    if (!r) return null;
    if (r.state === 'done') return r;
    try {
      return await walk(pool, r, opts);
    } catch (err) {
      await pool.query(sql.failErasure, [id, String((err as Error)?.message ?? err)]).catch(() => undefined);
      throw err;
    }
  } finally {
    if (locked) await lock.query(sql.unlockErasure, [id]).catch(() => undefined);
    lock.release();
  }
}

/** Runs every unfinished request (of one agency, or all), oldest first; skips those another runner holds. */
export async function resumeErasures(
  pool: pg.Pool,
  opts: ErasureOptions & { agencyId?: string },
): Promise<ErasureRow[]> {
  const { rows } = await pool.query<{ id: string }>(sql.openErasures, [opts.agencyId ?? null]);
  const done: ErasureRow[] = [];
  for (const { id } of rows) {
    const r = await runErasure(pool, id, opts);
    if (r) done.push(r);
  }
  return done;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function walk(pool: pg.Pool, start: ErasureRow, opts: ErasureOptions): Promise<ErasureRow> {
  const log = opts.log ?? (() => undefined);
  const id = start.id;
  const subject = start.subject ?? {};
  const params = subjectParams(subject);
  const sites = (await pool.query<{ ids: string[] }>(sql.agencyScriptIds, [start.agency_id])).rows[0]!.ids;
  let phase: ErasurePhase = start.phase;
  let cursor: Date | null = start.cursor;
  const sliceMs = opts.sliceHours * HOUR;

  /** One batch: its statement and the progress it makes, in one transaction (retried when transient). */
  const batch = async (
    work: (c: pg.PoolClient) => Promise<number>,
    next: (n: number) => {
      phase: ErasurePhase;
      cursor: Date | null;
      counts: Record<string, number>;
      passes?: number;
    },
  ): Promise<{ n: number; phase: ErasurePhase; cursor: Date | null }> => {
    for (let attempt = 1; ; attempt++) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const n = await work(c);
        const p = next(n);
        await c.query(sql.saveProgress, [id, p.phase, p.cursor, JSON.stringify(p.counts), p.passes ?? 0]);
        await c.query('COMMIT');
        await opts.onBatch?.({ phase: p.phase, rows: n });
        if (opts.pauseMs) await sleep(opts.pauseMs);
        return { n, phase: p.phase, cursor: p.cursor };
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        if (attempt >= ATTEMPTS || !isRetryablePgError(err)) throw err;
        log(`erasure ${id}: retrying a batch after ${(err as { code?: string }).code}`);
        await sleep(50 * attempt);
      } finally {
        c.release();
      }
    }
  };
  /** Repeats a bounded statement until it does less than a full batch, then moves to `then`. */
  const drain = async (
    key: string,
    then: ErasurePhase,
    work: (c: pg.PoolClient) => Promise<number>,
  ): Promise<void> => {
    for (;;) {
      const r = await batch(work, (n) => ({
        phase: n < opts.batchSize ? then : phase,
        cursor: null,
        counts: { [key]: n },
      }));
      if (r.n < opts.batchSize) {
        phase = then;
        return;
      }
    }
  };

  while (phase !== 'done') {
    switch (phase) {
      case 'events': {
        if (!cursor) {
          const first = (await pool.query<{ first: Date | null }>(sql.firstEventOf, [sites])).rows[0]?.first;
          if (!first) {
            await batch(
              async () => 0,
              () => ({ phase: 'dead_events', cursor: null, counts: {} }),
            );
            phase = 'dead_events';
            break;
          }
          cursor = first;
        }
        for (;;) {
          const from: Date = cursor!;
          // The last slice is open-ended: it also takes rows stamped a little ahead of this clock.
          const last = from.getTime() + sliceMs > Date.now();
          const to = last ? 'infinity' : new Date(from.getTime() + sliceMs);
          const r = await batch(
            async (c) =>
              (
                await c.query<{ n: number }>(sql.eraseEventsBatch, [
                  sites,
                  from,
                  to,
                  ...params,
                  opts.batchSize,
                  id,
                  opts.dedupeTtlSeconds,
                ])
              ).rows[0]!.n,
            (n) =>
              n >= opts.batchSize
                ? { phase: 'events', cursor: from, counts: { events: n } }
                : last
                  ? { phase: 'dead_events', cursor: null, counts: { events: n } }
                  : { phase: 'events', cursor: to as Date, counts: { events: n } },
          );
          cursor = r.cursor;
          phase = r.phase;
          if (phase !== 'events') break;
        }
        break;
      }
      case 'dead_events':
        await drain('dead_events', 'sessions', async (c) => {
          const { rowCount } = await c.query(sql.eraseDeadEventsBatch, [sites, ...params, opts.batchSize]);
          return rowCount ?? 0;
        });
        break;
      case 'sessions':
        await drain('sessions', 'rollup_sessions', async (c) => {
          const { rowCount } = await c.query(sql.eraseSessionsBatch, [
            sites,
            subject.client_id ?? null,
            id,
            opts.batchSize,
          ]);
          return rowCount ?? 0;
        });
        break;
      case 'rollup_sessions':
      case 'rollup_names': {
        const statement =
          phase === 'rollup_sessions' ? sql.rekeyRollupSessionsBatch : sql.rekeyRollupNamesBatch;
        await drain(phase, phase === 'rollup_sessions' ? 'rollup_names' : 'dedupe', async (c) => {
          // Exclusive per-site rollup locks: no writer adds to these sites' rollups meanwhile.
          await c.query(sql.lockRollupsOf, [sites]);
          return (await c.query<{ n: number }>(statement, [sites, id, start.salt, opts.batchSize])).rows[0]!
            .n;
        });
        break;
      }
      case 'dedupe': {
        let after = '';
        let deleted = 0;
        let skipped = 0;
        for (;;) {
          const { rows } = await pool.query<{ value: string }>(sql.dedupeKeysOf, [id, after, opts.batchSize]);
          if (rows.length === 0) break;
          const pairs = rows.map((r) => r.value);
          if (opts.deleteDedupeMarkers) deleted += await opts.deleteDedupeMarkers(pairs);
          else skipped += pairs.length;
          after = pairs[pairs.length - 1]!;
        }
        // Deleting a marker twice is harmless, so this phase saves its progress once, at its end.
        await batch(
          async () => deleted,
          () => ({
            phase: 'settle',
            cursor: null,
            counts: skipped
              ? { dedupe_markers: deleted, dedupe_skipped: skipped }
              : ({ dedupe_markers: deleted } as Record<string, number>),
          }),
        );
        phase = 'settle';
        break;
      }
      case 'settle': {
        const { rows } = await pool.query<Record<string, number>>(sql.remainingOf, [
          sites,
          start.settle_from,
          ...params,
          id,
        ]);
        const left = Object.values(rows[0]!).reduce((a, b) => a + Number(b), 0);
        if (left === 0) {
          const done = (await pool.query<ErasureRow>(sql.finishErasure, [id])).rows[0]!;
          log(`erasure ${id}: done ${JSON.stringify(done.counts)}`);
          return done;
        }
        const passes = (await getErasure(pool, id))!.passes + 1;
        if (passes >= MAX_PASSES)
          throw new Error(
            `rows of the person keep arriving after ${passes} passes: ${JSON.stringify(rows[0])}`,
          );
        log(
          `erasure ${id}: ${left} row(s) stored meanwhile, pass ${passes + 1} from ${start.settle_from.toISOString()}`,
        );
        await batch(
          async () => 0,
          () => ({ phase: 'events', cursor: start.settle_from, counts: {}, passes: 1 }),
        );
        phase = 'events';
        cursor = start.settle_from;
        break;
      }
    }
  }
  return (await getErasure(pool, id))!;
}
