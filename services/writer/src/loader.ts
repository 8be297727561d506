import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type pg from 'pg';
import { withinDeadline, type Logger } from '@beacon/observability';
import { InvalidJobError } from './errors.js';
import { parseEventsJob } from './job.js';
import type { WriterObserver } from './observer.js';
import { storeBatch, type Company, type Row, type StoreResult } from './store.js';

export interface LoaderOptions {
  batchMaxRows: number;
  batchMaxWaitMs: number;
  concurrency: number;
  lockDurationMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Maintain rollups in each batch's transaction (ROLLUPS_WRITE). */
  rollups?: boolean;
  /** DATABASE_PROFILE: the schema layout the statements must fit. */
  profile?: 'standard' | 'citus';
  /** Called after a job was moved to failed (its dead letters are written by the failed-job sweeper). */
  onJobFailed?: () => void;
}

/**
 * The worker jobs are fetched with, and the signal that it was replaced (the writer's ConsumerWatchdog:
 * a fetch on a connection a Redis failover left hanging would otherwise hold the loop forever).
 */
export interface Consumer {
  readonly worker: Worker;
  readonly retired: AbortSignal;
}

interface Batch {
  token: string;
  jobs: Job[];
  rows: number;
}

/** Job fetches in flight while a batch fills. */
const FETCH_PARALLEL = 8;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Takes many `events` jobs at once with BullMQ manual fetching (a Worker without processor,
 * getNextJob(token) until WRITER_BATCH_MAX_ROWS rows or WRITER_BATCH_MAX_WAIT_MS), stores them as one
 * batch, and only after COMMIT moves the jobs to completed with the same token.
 * @see https://docs.bullmq.io/patterns/manually-fetching-jobs
 *
 * A crash anywhere leaves the jobs active with a lock that stops being renewed; the stalled checker
 * of any writer puts them back in the queue and the batch is stored again, inserting only what is
 * missing (ON CONFLICT DO NOTHING, sessions from the rows actually inserted). While PostgreSQL or Redis
 * is unreachable the batch is retried with capped exponential back-off and full jitter, its jobs held
 * (locks renewed) in Redis.
 */
export class Loader {
  private closing = false;
  private seq = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches between the start of their transaction and its commit (bounded by WRITER_CONCURRENCY). */
  private readonly writing = new Set<Promise<void>>();
  /** jobId -> token of every job this writer holds; their locks are renewed on a timer. */
  private readonly held = new Map<string, string>();
  private lockTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;
  /** False while the last attempt to reach PostgreSQL or Redis failed (readiness). */
  healthy = true;

  constructor(
    private readonly consumer: Consumer,
    private readonly pool: pg.Pool,
    private readonly opts: LoaderOptions,
    private readonly observer: WriterObserver,
    private readonly log: Logger,
  ) {}

  start(): void {
    const every = Math.max(250, Math.floor(this.opts.lockDurationMs / 3));
    this.lockTimer = setInterval(() => void this.renewLocks(), every);
    this.loop = this.run();
  }

  /** Stops taking jobs; waits (up to timeoutMs) for batches in flight to commit and complete their jobs. */
  async close(timeoutMs: number): Promise<{ finished: boolean }> {
    this.closing = true;
    // The loop first: a batch it was collecting when close() began starts writing after this point,
    // so the in-flight set is read only once the loop has ended (a snapshot taken now would miss it,
    // and its jobs, written but never completed, would wait in `active` for their locks to expire).
    const all = Promise.resolve(this.loop).then(() => Promise.all([...this.inFlight]));
    const finished = await withinDeadline(all, timeoutMs);
    clearInterval(this.lockTimer);
    return { finished };
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      let batch: Batch | undefined;
      try {
        batch = await this.collect();
      } catch (err) {
        if (this.closing) break;
        await this.backOff('fetching jobs from Redis failed', err as Error);
        continue;
      }
      if (!batch) continue;
      // At most `concurrency` batches write at once; the next one is collected meanwhile.
      // The slot is freed at COMMIT: completing the jobs in Redis overlaps the next transaction.
      while (this.writing.size >= this.opts.concurrency) await Promise.race(this.writing);
      let committed!: () => void;
      const w = new Promise<void>((r) => (committed = r)).finally(() => this.writing.delete(w));
      this.writing.add(w);
      const p: Promise<void> = this.process(batch, committed).finally(() => {
        committed();
        this.inFlight.delete(p);
      });
      this.inFlight.add(p);
    }
  }

  private async collect(): Promise<Batch | undefined> {
    const { worker, retired } = this.consumer;
    const token = `${worker.id}:${++this.seq}`;
    const batch: Batch = { token, jobs: [], rows: 0 };
    // A fetch given up when its worker is replaced may still take a job later: nobody renews that
    // job's lock, so the stalled check hands it back, as after a crash.
    const fetch = (block: boolean) => unlessRetired(worker.getNextJob(token, { block }), retired);
    const first = await fetch(true);
    if (!first) return undefined;
    this.add(batch, first);
    const deadline = Date.now() + this.opts.batchMaxWaitMs;
    while (batch.rows < this.opts.batchMaxRows && !this.closing && !retired.aborted) {
      // Several fetches in flight: one Redis round trip per job would otherwise bound the writer when
      // Redis answers slowly (each fetch is one atomic moveToActive, safe to run side by side).
      const perJob = Math.max(1, batch.rows / batch.jobs.length);
      const want = Math.min(FETCH_PARALLEL, Math.ceil((this.opts.batchMaxRows - batch.rows) / perJob));
      const fetched = await Promise.allSettled(Array.from({ length: want }, () => fetch(false)));
      let empty = false;
      let failed: unknown;
      for (const f of fetched) {
        if (f.status === 'rejected') failed = f.reason;
        else if (f.value) this.add(batch, f.value);
        else empty = true;
      }
      if (failed) {
        // Redis failed with jobs already taken: write those (their locks are ours); fetch again later.
        this.log.warn({ err: failed }, 'fetching more jobs failed; writing the batch as it is');
        break;
      }
      if (!empty) continue;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(left, 10));
    }
    return batch;
  }

  private add(batch: Batch, job: Job): void {
    batch.jobs.push(job);
    this.held.set(job.id!, batch.token);
    const rows = (job.data as { rows?: unknown })?.rows;
    batch.rows += Array.isArray(rows) ? rows.length : 0;
  }

  private async process(batch: Batch, committed: () => void): Promise<void> {
    const { valid, rows, companies } = await this.sortJobs(batch);
    if (valid.length === 0) return;
    const stored = await this.storeWithRetry(batch, valid, rows, companies);
    if (!stored) return;
    const committedAt = Date.now();
    committed();
    this.report(stored.result, valid.length, rows, (performance.now() - stored.started) / 1000, committedAt);
    await Promise.all(
      valid.map((job) => this.settle(job, batch.token, () => job.moveToCompleted(null, batch.token, false))),
    );
  }

  /**
   * The batch's events jobs with their rows and companies; jobs that cannot be stored are failed here
   * (their dead letters are written by the failed-job sweeper).
   */
  private async sortJobs(batch: Batch): Promise<{ valid: Job[]; rows: Row[]; companies: Company[] }> {
    const valid: Job[] = [];
    const rows: Row[] = [];
    const companies: Company[] = [];
    for (const job of batch.jobs) {
      // Back from dead holders more than WRITER_MAX_STALLED_COUNT times (BullMQ marks it; a manual
      // fetch must honour the mark itself): a job that kills every writer is failed, its rows go
      // to dead_events (dead-letters.ts) instead of crashing writers forever.
      if (job.deferredFailure) {
        this.log.error({ jobId: job.id, reason: job.deferredFailure }, 'events job failed for good');
        await this.fail(job, batch.token, new UnrecoverableError(job.deferredFailure));
        continue;
      }
      const parsed = parseEventsJob(job.data);
      if (!parsed.success) {
        this.observer.jobInvalid();
        this.log.error(
          { jobId: job.id, issues: parsed.error.issues.slice(0, 5) },
          'events job is not an EnrichedJob; failing it',
        );
        const why = parsed.error.issues[0]?.message ?? 'invalid';
        await this.fail(job, batch.token, new InvalidJobError(`not an events job: ${why}`));
        continue;
      }
      valid.push(job);
      for (const row of parsed.data.rows) rows.push(row);
      if (parsed.data.companies && !fromOlderEnricher(parsed.data.rows, parsed.data.companies))
        for (const c of parsed.data.companies) companies.push(c);
      else companies.push(...companiesFromRows(parsed.data.rows));
    }
    return { valid, rows, companies };
  }

  private async fail(job: Job, token: string, err: Error): Promise<void> {
    await this.settle(job, token, () => job.moveToFailed(err, token, false));
    this.opts.onJobFailed?.();
  }

  /**
   * Stores the batch, retrying with back-off while PostgreSQL or Redis is unreachable; `started` is when
   * the attempt that committed began. Undefined when shutting down with the store still unreachable:
   * the jobs were handed back for another writer.
   */
  private async storeWithRetry(
    batch: Batch,
    valid: Job[],
    rows: Row[],
    companies: Company[],
  ): Promise<{ result: StoreResult; started: number } | undefined> {
    // A job handled before (stalled, failed) may have rows stored already; so may any retried batch
    // (PostgreSQL can commit and then lose the connection before answering).
    let mayHoldStored = valid.some(
      (j) => j.attemptsStarted > 1 || j.attemptsMade > 0 || j.stalledCounter > 0,
    );
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const result = await storeBatch(this.pool, rows, companies, {
          mayHoldStored,
          rollups: this.opts.rollups ?? true,
          profile: this.opts.profile ?? 'standard',
        });
        this.recovered();
        return { result, started };
      } catch (err) {
        this.observer.batchRetried({ jobs: valid.length, error: err as Error });
        mayHoldStored = true;
        if (this.closing && attempt > 0) {
          // Shutting down with the store unreachable: hand the jobs back for another writer.
          await Promise.all(
            valid.map((job) => this.settle(job, batch.token, () => job.moveToWait(batch.token))),
          );
          return undefined;
        }
        await this.backOff('storing a batch failed; jobs kept in Redis', err as Error);
      }
    }
  }

  private report(result: StoreResult, jobs: number, rows: Row[], seconds: number, committedAt: number): void {
    this.observer.batchCommitted({
      rows: result.rows,
      inserted: result.inserted,
      skipped: result.skipped,
      dead: result.dead,
      splits: result.splits,
      sessionConflicts: result.sessionConflicts,
      jobs,
      seconds,
      committedAt,
      serverTimestamps: rows.map((r) => Date.parse(String(r.server_timestamp))),
    });
    if (result.dead.length > 0)
      this.log.warn(
        { dead: result.dead.length, sqlstates: [...new Set(result.dead.map((d) => d.sqlstate))] },
        'rows refused by PostgreSQL stored in dead_events',
      );
    if (result.unknownSiteEvents > 0)
      this.log.warn(
        { events: result.unknownSiteEvents },
        'events of a site_id missing from sites stored without a session',
      );
  }

  /** Moves a job out of active; a lost lock means another writer took it over (it will insert nothing twice). */
  private async settle(job: Job, token: string, move: () => Promise<unknown>): Promise<void> {
    try {
      await move();
    } catch (err) {
      this.log.warn(
        { err, jobId: job.id },
        'could not finish job (lock lost?); it will be re-delivered and skipped as stored',
      );
    } finally {
      if (this.held.get(job.id!) === token) this.held.delete(job.id!);
    }
  }

  private async renewLocks(): Promise<void> {
    if (this.held.size === 0) return;
    const ids = [...this.held.keys()];
    const tokens = ids.map((id) => this.held.get(id)!);
    try {
      const failed = await this.consumer.worker.extendJobLocks(ids, tokens, this.opts.lockDurationMs);
      // Jobs completed while the renewal was on its way have no lock left to renew: not lost.
      const lost = failed.filter((id) => this.held.has(id));
      if (lost.length > 0)
        this.log.warn({ jobs: lost.length }, 'lost the lock of jobs (they may be re-delivered)');
    } catch (err) {
      this.log.warn({ err }, 'renewing job locks failed');
    }
  }

  private async backOff(what: string, err: Error): Promise<void> {
    this.failures++;
    this.healthy = false;
    this.observer.backingOff(true);
    const cap = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(this.failures - 1, 20));
    const wait = Math.round(cap / 2 + (Math.random() * cap) / 2);
    this.log.warn(
      {
        err,
        retryInMs: wait,
        failures: this.failures,
      },
      what,
    );
    await sleep(wait);
  }

  private recovered(): void {
    if (this.failures > 0) this.log.info({ failures: this.failures }, 'store reachable again');
    this.failures = 0;
    this.healthy = true;
    this.observer.backingOff(false);
  }
}

/** The fetched job, or undefined at once when the worker is replaced before it answers. */
function unlessRetired(fetch: Promise<Job | undefined>, retired: AbortSignal): Promise<Job | undefined> {
  if (retired.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const giveUp = () => resolve(undefined);
    retired.addEventListener('abort', giveUp, { once: true });
    fetch.then(resolve, reject).finally(() => retired.removeEventListener('abort', giveUp));
  });
}

/**
 * True for a job queued by an enricher from before migration 0060 (a rolling upgrade): it names firms
 * of an agency's own ranges in its rows, yet its `companies` list owns none of them (an enricher since
 * then sets agency_id on every such entry). That list mixes agencies' facts into neutral entries, so
 * the writer uses companiesFromRows instead.
 */
function fromOlderEnricher(rows: readonly Row[], companies: readonly Company[]): boolean {
  if (companies.some((c) => c.agency_id)) return false;
  return rows.some((r) => r.company_source === 'agency_ranges' && typeof r.company_domain === 'string');
}

/**
 * Companies named by the rows themselves, when the job carries no usable `companies` list (a v1 job of
 * an older enricher, a dead-letter replay, fromOlderEnricher): domain and name only, of rows a neutral source identified. A row's
 * industry, employee_count and revenue may have been completed from its agency's own facts, and a row
 * of company_source 'agency_ranges' is an agency's own data: neither may reach the shared `companies`
 * table (migration 0060). The next live job of the firm brings its neutral facts.
 */
function companiesFromRows(rows: readonly Row[]): Company[] {
  const out: Company[] = [];
  for (const r of rows) {
    if (typeof r.company_domain !== 'string' || r.company_domain === '') continue;
    if (r.company_source === 'agency_ranges') continue;
    const name = typeof r.company_name === 'string' ? r.company_name.slice(0, 255) : null;
    out.push({
      domain: r.company_domain.slice(0, 255),
      name,
      industry: null,
      employee_count: null,
      revenue: null,
    });
  }
  return out;
}
