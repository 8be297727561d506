import type pg from 'pg';
import { ensurePartitions, freezeRecentDays, runRetention } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import * as sql from './sql/batch.js';

export interface UpkeepOptions {
  monthsAhead: number;
  partitionIntervalMs: number;
  /** 0 = retention is not run by the writer. */
  retentionIntervalMs: number;
  retentionDefaultMonths: number;
  retentionDeleteBatch: number;
  /** AUDIT_LOG_RETENTION_DAYS: the same job purges older audit log entries. */
  auditLogDays?: number;
  /** INGEST_HEALTH_RETENTION_DAYS: and the ingestion health hours older than this. */
  ingestHealthDays?: number;
  now: () => Date;
}

/**
 * Partition upkeep (at start, then every partitionIntervalMs) and retention (every
 * retentionIntervalMs). Several writers may run: a session advisory lock lets one do it at a time,
 * the others skip that round. A failed round (PostgreSQL down) is tried again a minute later. Rows of a
 * month that has no partition yet sit in events_default and move into the partition when it is created
 * (beacon_ensure_event_partition, migration 0002).
 */
export class Upkeep {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: UpkeepOptions,
    private readonly log: Logger,
  ) {}

  /** Runs the partition round now (resolves when done or failed) and schedules the next ones. */
  async start(): Promise<void> {
    await this.round('partitions', this.opts.partitionIntervalMs);
    if (this.opts.retentionIntervalMs > 0) this.schedule('retention', this.opts.retentionIntervalMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await this.running.catch(() => undefined);
  }

  private schedule(kind: 'partitions' | 'retention', ms: number): void {
    if (this.closed) return;
    const t = setTimeout(
      () =>
        void this.round(
          kind,
          this.opts[kind === 'partitions' ? 'partitionIntervalMs' : 'retentionIntervalMs'],
        ),
      ms,
    );
    t.unref();
    this.timers.push(t);
  }

  private async round(kind: 'partitions' | 'retention', intervalMs: number): Promise<void> {
    const p = this.withLock(kind).then(
      () => this.schedule(kind, intervalMs),
      (err: Error) => {
        this.log.warn({ err }, `${kind} upkeep failed; trying again in a minute`);
        this.schedule(kind, Math.min(intervalMs, 60_000));
      },
    );
    this.running = this.running.then(() => p);
    await p;
  }

  /** Partition creation or retention under the upkeep advisory lock; skipped when another writer has it. */
  async withLock(kind: 'partitions' | 'retention'): Promise<boolean> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const { rows } = await client.query<{ locked: boolean }>(sql.tryUpkeepLock, [sql.UPKEEP_LOCK_KEY]);
      if (!rows[0]?.locked) {
        this.log.debug(`${kind} upkeep: another writer holds the lock`);
        return false;
      }
      try {
        if (kind === 'partitions') {
          const created = await ensurePartitions(client, {
            monthsAhead: this.opts.monthsAhead,
            now: this.opts.now(),
          });
          if (created.length) this.log.info({ created }, 'created event partitions');
          // The last complete local days into rollup_days, so long dashboard ranges add up days.
          const frozen = await freezeRecentDays(this.pool, { now: this.opts.now() });
          if (frozen.length) this.log.debug({ sites: frozen.length }, 'froze recent days into rollup_days');
        } else {
          // Retention deletes in bounded batches and may take longer than the pool's statement timeout.
          const report = await runRetention(this.pool, {
            defaultMonths: this.opts.retentionDefaultMonths,
            batchSize: this.opts.retentionDeleteBatch,
            auditLogDays: this.opts.auditLogDays,
            ingestHealthDays: this.opts.ingestHealthDays,
            now: this.opts.now(),
            log: (m) => this.log.info(m),
          });
          this.log.info(
            {
              droppedPartitions: report.droppedPartitions.length,
              deletedEvents: report.deletedEvents,
              deletedSessions: report.deletedSessions,
              deletedAuditEntries: report.deletedAuditEntries,
              deletedHealthRows: report.deletedHealthRows,
            },
            'retention applied',
          );
        }
      } finally {
        await client.query(sql.upkeepUnlock, [sql.UPKEEP_LOCK_KEY]);
      }
      return true;
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
