import type { Command } from 'commander';
import { deadLetterSql } from '@beacon/db';
import { addEventsJob, addRawJob, connectRedis, openEventsQueue, openHitsQueue } from '@beacon/queue';
import {
  EVENT_COLUMN_BY_NAME,
  fitToColumn,
  type EnrichedJobV1,
  type EventColumnName,
  type RawHit,
  type RawJob,
  type RawRequest,
} from '@beacon/schema';
import { UsageError, type CliContext } from '../context.js';
import { commandGroup } from './group.js';
import { limitOption } from '../validate.js';

const STAGES = ['collector', 'enricher', 'writer'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Rows per re-queued job: the size of an enricher job, well under the writer's batch. */
const ROWS_PER_JOB = 500;

/** A pending dead event: its id and what was kept of it (a row, or {request, hit}). */
interface DeadRow {
  id: string;
  payload: Record<string, unknown>;
}

/** A job to re-queue and the dead events it carries. */
interface ReplayJob<T> {
  ids: string[];
  data: T;
}

function stageArg(v: string): string {
  if (!(STAGES as readonly string[]).includes(v))
    throw new UsageError(`--stage must be one of ${STAGES.join(', ')}`);
  return v;
}
function idArg(v: string, prev: string[] = []): string[] {
  if (!UUID.test(v)) throw new UsageError(`--id ${JSON.stringify(v)} is not a UUID`);
  return [...prev, v.toLowerCase()];
}
function dateArg(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--before ${JSON.stringify(v)} is not a date (ISO 8601, e.g. 2026-11-01)`);
  return d;
}

/** Cuts every string longer than its events column (the fix for 22001 "value too long"). */
function fitRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const [k, v] of Object.entries(out)) {
    if (
      typeof v === 'string' &&
      EVENT_COLUMN_BY_NAME.get(k)?.max !== undefined &&
      EVENT_COLUMN_BY_NAME.get(k)?.type === 'varchar'
    )
      out[k] = fitToColumn(k as EventColumnName, v);
  }
  return out;
}

/** Events jobs (v1, row objects) of the writer's dead rows, optionally cut to their columns. */
function eventsJobsOf(rows: DeadRow[], fit: boolean): ReplayJob<EnrichedJobV1>[] {
  return Array.from({ length: Math.ceil(rows.length / ROWS_PER_JOB) }, (_, k) => {
    const part = rows.slice(k * ROWS_PER_JOB, (k + 1) * ROWS_PER_JOB);
    return {
      ids: part.map((r) => r.id),
      data: { type: 'events', v: 1, rows: part.map((r) => (fit ? fitRow(r.payload) : r.payload)) },
    };
  });
}

/**
 * Raw jobs (queue `hits`) re-made from the enricher's dead hits ({request, hit}); others are skipped.
 * The request facts and hits go back as they were received (the enricher checks each hit again), so
 * they are typed as a raw job only here.
 */
function rawJobsOf(rows: DeadRow[]): { jobs: ReplayJob<RawJob>[]; skipped: string[] } {
  const jobs: ReplayJob<RawJob>[] = [];
  const skipped: string[] = [];
  let current: ReplayJob<RawJob> | undefined;
  for (const r of rows) {
    const { request, hit } = r.payload as { request?: unknown; hit?: unknown };
    if (!request || typeof request !== 'object' || !hit || typeof hit !== 'object') {
      skipped.push(r.id);
      continue;
    }
    if (!current || current.ids.length >= ROWS_PER_JOB) {
      current = { ids: [], data: { type: 'raw', v: 1, requests: [] as unknown as RawJob['requests'] } };
      jobs.push(current);
    }
    current.ids.push(r.id);
    current.data.requests.push({ ...(request as RawRequest), hits: [hit as RawHit] });
  }
  return { jobs, skipped };
}

function registerList(dl: Command, ctx: () => CliContext): void {
  dl.command('list')
    .description('summary by stage and SQLSTATE, then the newest dead events')
    .option('--site <script_id>', 'only this site')
    .option('--stage <stage>', `only this stage (${STAGES.join(', ')})`, stageArg)
    .option('--pending', 'only those not replayed yet')
    .option(...limitOption('rows to show', 1_000_000, 50))
    .action(async (opts: { site?: string; stage?: string; pending?: boolean; limit: number }) => {
      const c = ctx();
      const filter = [opts.site ?? null, opts.stage ?? null];
      const summary = (await c.pool().query(deadLetterSql.summarizeDeadEvents, filter)).rows;
      const rows = (
        await c.pool().query(deadLetterSql.listDeadEvents, [...filter, Boolean(opts.pending), opts.limit])
      ).rows;
      const human = [
        summary.length === 0
          ? 'no dead events'
          : summary
              .map(
                (s) =>
                  `${s.stage} ${s.sqlstate ?? '-'}: ${s.rows} event(s), seen ${s.events} time(s), ${s.pending} pending`,
              )
              .join('\n'),
        ...rows.map(
          (r) =>
            `${r.id} ${r.site_id ?? '-'} ${r.stage} ${r.sqlstate ?? '-'} x${r.count} last ${r.last_seen_at.toISOString()}${r.replayed_at ? ` replayed ${r.replayed_at.toISOString()}` : ''}\n    ${r.error}`,
        ),
      ].join('\n');
      c.out(human, { summary, events: rows });
    });
}

interface ReplayOptions {
  id?: string[];
  site?: string;
  stage: string;
  limit: number;
  fit?: boolean;
  dryRun?: boolean;
}

function registerReplay(dl: Command, ctx: () => CliContext): void {
  dl.command('replay')
    .description(
      "re-queue dead events not replayed yet (after fixing the cause: a migration, or --fit): the writer's rows onto `events`, or with --stage enricher the enricher's hits onto `hits`",
    )
    .option('--id <uuid>', 'only this event (repeatable)', idArg)
    .option('--site <script_id>', 'only this site')
    .option('--stage <stage>', 'writer (default) or enricher', stageArg, 'writer')
    .option(...limitOption('at most this many events', 1_000_000, 100_000))
    .option('--fit', 'cut strings longer than their column (the fix for SQLSTATE 22001) before re-queueing')
    .option('--dry-run', 'only say what would be replayed')
    .action(async (opts: ReplayOptions) => {
      if (opts.stage === 'collector') throw new UsageError('--stage collector has nothing to replay');
      if (opts.fit && opts.stage !== 'writer') throw new UsageError('--fit applies to --stage writer only');
      const c = ctx();
      const { rows } = await c
        .pool()
        .query<DeadRow>(deadLetterSql.pendingDeadEvents, [
          opts.id ?? null,
          opts.site ?? null,
          opts.stage,
          opts.limit,
        ]);
      if (opts.dryRun || rows.length === 0) {
        c.out(`${opts.dryRun ? 'would replay' : 'replayed'} ${rows.length} dead event(s)`, {
          replayed: 0,
          matched: rows.length,
          dryRun: Boolean(opts.dryRun),
        });
        return;
      }
      const { queue, replayed, skipped } = await replay(c, rows, opts);
      c.out(
        `replayed ${replayed} dead event(s) onto the ${queue} queue${skipped ? `; ${skipped} skipped (not a {request, hit} payload: a whole job, see dead-letters list)` : ''}`,
        { replayed, matched: rows.length, skipped },
      );
    });
}

/**
 * Re-queues dead rows with the queues' own producers (the enricher's dead hits as raw jobs, the
 * writer's rows as events jobs), marking each job's rows replayed once Redis has it.
 */
async function replay(
  c: CliContext,
  rows: DeadRow[],
  opts: ReplayOptions,
): Promise<{ queue: string; replayed: number; skipped: number }> {
  const core = c.config().core;
  const connection = connectRedis(core, 'producer');
  const marked = (ids: string[]) => c.pool().query(deadLetterSql.markDeadEventsReplayed, [ids]);
  try {
    if (opts.stage === 'enricher') {
      const queue = openHitsQueue(core, connection);
      const { jobs, skipped } = rawJobsOf(rows);
      const replayed = await enqueueAll(jobs, (data, id) => addRawJob(queue, data, id), marked).finally(() =>
        queue.close(),
      );
      return { queue: queue.name, replayed, skipped: skipped.length };
    }
    const queue = openEventsQueue(core, connection);
    const jobs = eventsJobsOf(rows, Boolean(opts.fit));
    const replayed = await enqueueAll(jobs, (data, id) => addEventsJob(queue, data, id), marked).finally(() =>
      queue.close(),
    );
    return { queue: queue.name, replayed, skipped: 0 };
  } finally {
    connection.disconnect();
  }
}

/** Adds each job, then marks its dead events replayed; answers how many were. */
async function enqueueAll<T>(
  jobs: readonly ReplayJob<T>[],
  add: (data: T, jobId: string) => Promise<unknown>,
  marked: (ids: string[]) => Promise<unknown>,
): Promise<number> {
  let replayed = 0;
  for (const job of jobs) {
    await add(job.data, `replay-${job.ids[0]}-${Date.now()}`);
    await marked(job.ids);
    replayed += job.ids.length;
  }
  return replayed;
}

function registerPurge(dl: Command, ctx: () => CliContext): void {
  dl.command('purge')
    .description('delete dead events (give a filter, or --all)')
    .option('--id <uuid>', 'only this event (repeatable)', idArg)
    .option('--site <script_id>', 'only this site')
    .option('--stage <stage>', 'only this stage', stageArg)
    .option('--replayed', 'only those already replayed')
    .option('--before <date>', 'only those last seen before this date', dateArg)
    .option('--all', 'every dead event')
    .action(
      async (opts: {
        id?: string[];
        site?: string;
        stage?: string;
        replayed?: boolean;
        before?: Date;
        all?: boolean;
      }) => {
        if (!opts.all && !opts.id && !opts.site && !opts.stage && !opts.replayed && !opts.before)
          throw new UsageError('purge needs a filter (--id, --site, --stage, --replayed, --before) or --all');
        const c = ctx();
        const { rowCount } = await c
          .pool()
          .query(deadLetterSql.purgeDeadEvents, [
            opts.id ?? null,
            opts.site ?? null,
            opts.stage ?? null,
            Boolean(opts.replayed),
            opts.before ?? null,
          ]);
        c.out(`purged ${rowCount ?? 0} dead event(s)`, { purged: rowCount ?? 0 });
      },
    );
}

/**
 * `beacon dead-letters list|replay|purge`: the rows that could not be stored (dead_events). Replay puts
 * the writer's dead rows back on the `events` queue (optionally cut to their column lengths with
 * --fit), or with `--stage enricher` the enricher's dead hits back on the `hits` queue as raw jobs (their
 * request facts and hit as received); rows that fail again count up and are pending again.
 */
export const registerDeadLetters = commandGroup(
  'dead-letters',
  'events that could not be stored (dead_events)',
  [registerList, registerReplay, registerPurge],
);
