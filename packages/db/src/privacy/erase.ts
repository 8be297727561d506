import type pg from 'pg';
import { isRetryablePgError } from '../errors.js';
import * as sql from '../sql/privacy.js';
import { inTransaction } from '../transaction.js';
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
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<ErasureRow>(sql.insertErasure, [
      agencyId,
      JSON.stringify(subject),
      subjectKinds(subject),
      requestedBy,
      settleSeconds,
    ]);
    if (subject.client_id) await client.query(sql.insertGivenClientId, [rows[0]!.id, subject.client_id]);
    return rows[0]!;
  });
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
      return await new ErasureWalk(pool, r, opts).run();
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

/** What one batch leaves behind: the phase and cursor to go on from, and what it adds to the counts. */
interface Progress {
  phase: ErasurePhase;
  cursor: Date | null;
  counts: Record<string, number>;
  passes?: number;
}

/** One run through a request's phases, from where it stopped (its saved phase and cursor). */
class ErasureWalk {
  private readonly id: string;
  private readonly subject: Subject;
  private readonly params: unknown[];
  private readonly log: (msg: string) => void;
  private sites: string[] = [];
  private phase: ErasurePhase;
  private cursor: Date | null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly start: ErasureRow,
    private readonly opts: ErasureOptions,
  ) {
    this.id = start.id;
    this.subject = start.subject ?? {};
    this.params = subjectParams(this.subject);
    this.log = opts.log ?? (() => undefined);
    this.phase = start.phase;
    this.cursor = start.cursor;
  }

  async run(): Promise<ErasureRow> {
    const { rows } = await this.pool.query<{ ids: string[] }>(sql.agencyScriptIds, [this.start.agency_id]);
    this.sites = rows[0]!.ids;
    while (this.phase !== 'done') {
      switch (this.phase) {
        case 'events':
          await this.events();
          break;
        case 'dead_events':
          await this.drain('dead_events', 'sessions', sql.eraseDeadEventsBatch, [
            this.sites,
            ...this.params,
            this.opts.batchSize,
          ]);
          break;
        case 'sessions':
          await this.drain('sessions', 'rollup_sessions', sql.eraseSessionsBatch, [
            this.sites,
            this.subject.client_id ?? null,
            this.id,
            this.opts.batchSize,
          ]);
          break;
        case 'rollup_sessions':
        case 'rollup_names':
          await this.rekeyRollups(this.phase);
          break;
        case 'dedupe':
          await this.dedupe();
          break;
        case 'settle': {
          const done = await this.settle();
          if (done) return done;
          break;
        }
      }
    }
    return (await getErasure(this.pool, this.id))!;
  }

  /** One batch: its statement and the progress it makes, in one transaction (retried when transient). */
  private async batch(
    work: (c: pg.PoolClient) => Promise<number>,
    next: (n: number) => Progress,
  ): Promise<{ n: number; phase: ErasurePhase; cursor: Date | null }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { n, p } = await inTransaction(this.pool, async (c) => {
          const n = await work(c);
          const p = next(n);
          await c.query(sql.saveProgress, [
            this.id,
            p.phase,
            p.cursor,
            JSON.stringify(p.counts),
            p.passes ?? 0,
          ]);
          return { n, p };
        });
        await this.opts.onBatch?.({ phase: p.phase, rows: n });
        if (this.opts.pauseMs) await sleep(this.opts.pauseMs);
        return { n, phase: p.phase, cursor: p.cursor };
      } catch (err) {
        if (attempt >= ATTEMPTS || !isRetryablePgError(err)) throw err;
        this.log(`erasure ${this.id}: retrying a batch after ${(err as { code?: string }).code}`);
        await sleep(50 * attempt);
      }
    }
  }

  /** Saves a move to `phase` (no rows touched) and takes it. */
  private async moveTo(p: Progress): Promise<void> {
    await this.batch(
      async () => 0,
      () => p,
    );
    this.phase = p.phase;
    this.cursor = p.cursor;
  }

  /** Repeats a bounded statement (its rowCount) until it does less than a full batch, then moves to `then`. */
  private async drain(
    key: string,
    then: ErasurePhase,
    statement: string | ((c: pg.PoolClient) => Promise<number>),
    values: unknown[] = [],
  ): Promise<void> {
    const work =
      typeof statement === 'string'
        ? async (c: pg.PoolClient) => (await c.query(statement, values)).rowCount ?? 0
        : statement;
    for (;;) {
      const r = await this.batch(work, (n) => ({
        phase: n < this.opts.batchSize ? then : this.phase,
        cursor: null,
        counts: { [key]: n },
      }));
      if (r.n < this.opts.batchSize) {
        this.phase = then;
        return;
      }
    }
  }

  /** The agency's events by time slice, from the cursor; the last slice is open-ended. */
  private async events(): Promise<void> {
    if (!this.cursor) {
      const first = (await this.pool.query<{ first: Date | null }>(sql.firstEventOf, [this.sites])).rows[0]
        ?.first;
      if (!first) return this.moveTo({ phase: 'dead_events', cursor: null, counts: {} });
      this.cursor = first;
    }
    const sliceMs = this.opts.sliceHours * HOUR;
    const { batchSize, dedupeTtlSeconds } = this.opts;
    while (this.phase === 'events') {
      const from: Date = this.cursor!;
      // The last slice is open-ended: it also takes rows stamped a little ahead of this clock.
      const last = from.getTime() + sliceMs > Date.now();
      const to = last ? 'infinity' : new Date(from.getTime() + sliceMs);
      const values = [this.sites, from, to, ...this.params, batchSize, this.id, dedupeTtlSeconds];
      const r = await this.batch(
        async (c) => (await c.query<{ n: number }>(sql.eraseEventsBatch, values)).rows[0]!.n,
        (n): Progress =>
          n >= batchSize
            ? { phase: 'events', cursor: from, counts: { events: n } }
            : last
              ? { phase: 'dead_events', cursor: null, counts: { events: n } }
              : { phase: 'events', cursor: to as Date, counts: { events: n } },
      );
      this.cursor = r.cursor;
      this.phase = r.phase;
    }
  }

  /** Rollup rows with the person's keys move to anonymous keys (counters kept). */
  private async rekeyRollups(phase: 'rollup_sessions' | 'rollup_names'): Promise<void> {
    const statement = phase === 'rollup_sessions' ? sql.rekeyRollupSessionsBatch : sql.rekeyRollupNamesBatch;
    await this.drain(phase, phase === 'rollup_sessions' ? 'rollup_names' : 'dedupe', async (c) => {
      // Exclusive per-site rollup locks: no writer adds to these sites' rollups meanwhile.
      await c.query(sql.lockRollupsOf, [this.sites]);
      const values = [this.sites, this.id, this.start.salt, this.opts.batchSize];
      return (await c.query<{ n: number }>(statement, values)).rows[0]!.n;
    });
  }

  /** Deletes the Redis dedupe markers of the noted recent events. */
  private async dedupe(): Promise<void> {
    let after = '';
    let deleted = 0;
    let skipped = 0;
    for (;;) {
      const values = [this.id, after, this.opts.batchSize];
      const { rows } = await this.pool.query<{ value: string }>(sql.dedupeKeysOf, values);
      if (rows.length === 0) break;
      const pairs = rows.map((r) => r.value);
      if (this.opts.deleteDedupeMarkers) deleted += await this.opts.deleteDedupeMarkers(pairs);
      else skipped += pairs.length;
      after = pairs[pairs.length - 1]!;
    }
    // Deleting a marker twice is harmless, so this phase saves its progress once, at its end.
    const counts: Record<string, number> = skipped
      ? { dedupe_markers: deleted, dedupe_skipped: skipped }
      : { dedupe_markers: deleted };
    await this.batch(
      async () => deleted,
      () => ({ phase: 'settle', cursor: null, counts }),
    );
    this.phase = 'settle';
  }

  /** Counts what is left: nothing → the finished request; anything → another pass from settle_from. */
  private async settle(): Promise<ErasureRow | null> {
    const { settle_from } = this.start;
    const { rows } = await this.pool.query<Record<string, number>>(sql.remainingOf, [
      this.sites,
      settle_from,
      ...this.params,
      this.id,
    ]);
    const left = Object.values(rows[0]!).reduce((a, b) => a + Number(b), 0);
    if (left === 0) {
      const done = (await this.pool.query<ErasureRow>(sql.finishErasure, [this.id])).rows[0]!;
      this.log(`erasure ${this.id}: done ${JSON.stringify(done.counts)}`);
      return done;
    }
    const passes = (await getErasure(this.pool, this.id))!.passes + 1;
    if (passes >= MAX_PASSES)
      throw new Error(`rows of the person keep arriving after ${passes} passes: ${JSON.stringify(rows[0])}`);
    this.log(
      `erasure ${this.id}: ${left} row(s) stored meanwhile, pass ${passes + 1} from ${settle_from.toISOString()}`,
    );
    await this.moveTo({ phase: 'events', cursor: settle_from, counts: {}, passes: 1 });
    return null;
  }
}
