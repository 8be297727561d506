import { resumeErasures, runErasure, type ErasureOptions } from '@beacon/db';
import type { Config } from '@beacon/config';
import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import { deleteDedupeMarkers, QUEUE_HITS, queuePrefixFor, type RedisClient } from '@beacon/queue';

/**
 * Runs erasure requests inside the API process (PRIVACY_ERASE_IN_API): the ones it receives, and at
 * start the ones a crash or a shutdown interrupted. Each run is resumable (packages/db/src/privacy),
 * so shutting down only stops it after its current batch; the next start (or `beacon privacy resume`)
 * finishes it.
 */
export class ErasureRunner {
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly pool: Pool,
    private readonly config: Config,
    private readonly redis: RedisClient | null,
    private readonly logger: Logger,
  ) {}

  /** The options every run of this process uses. */
  options(): ErasureOptions {
    const r = this.config.dataRights;
    const redis = this.redis;
    const prefix = queuePrefixFor(this.config.core, QUEUE_HITS);
    return {
      batchSize: r.eraseBatch,
      sliceHours: r.eraseSliceHours,
      dedupeTtlSeconds: this.config.enricher.dedupeTtlSeconds,
      deleteDedupeMarkers: redis ? (pairs) => deleteDedupeMarkers(redis, prefix, pairs) : null,
      onBatch: () => {
        if (this.stopping) throw new Error('interrupted by shutdown; resumed at the next start');
      },
      log: (msg) => this.logger.info(msg),
    };
  }

  get enabled(): boolean {
    return this.config.dataRights.eraseInApi;
  }

  /** Starts one request in the background (no-op when runs are off or the process is stopping). */
  start(id: string): void {
    if (!this.enabled || this.stopping) return;
    this.track(runErasure(this.pool, id, this.options()), id);
  }

  /** Resumes every unfinished request (at start). */
  resumeAll(): void {
    if (!this.enabled || this.stopping) return;
    this.track(resumeErasures(this.pool, this.options()), 'resume');
  }

  /** Waits for running batches to end; interrupted requests stay resumable. */
  async close(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<unknown>, what: string): void {
    const tracked = p.then(
      () => undefined,
      (err: unknown) => {
        if (!this.stopping) this.logger.error({ err, erasure: what }, 'erasure run failed (resumable)');
      },
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
