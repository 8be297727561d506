import type { DeadRow } from './store.js';

/** What the loader reports; metrics subscribe, and so can a benchmark or a test (startWriter overrides). */
export interface BatchCommitted {
  rows: number;
  inserted: number;
  skipped: number;
  dead: readonly DeadRow[];
  splits: number;
  sessionConflicts: number;
  jobs: number;
  seconds: number;
  /** Date.now() right after COMMIT. */
  committedAt: number;
  /** server_timestamp of each row, ms since epoch. */
  serverTimestamps: readonly number[];
}

export interface WriterObserver {
  batchCommitted(o: BatchCommitted): void;
  batchRetried(o: { jobs: number; error: Error }): void;
  jobsStalled(n: number): void;
  jobInvalid(): void;
  backingOff(on: boolean): void;
}

/** Calls every observer; one that throws does not stop the others or the writer. */
export function fanOut(observers: readonly Partial<WriterObserver>[]): WriterObserver {
  const call = <K extends keyof WriterObserver>(k: K, ...args: Parameters<WriterObserver[K]>) => {
    for (const o of observers) {
      try {
        (o[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
      } catch {
        /* an observer's bug is not the writer's */
      }
    }
  };
  return {
    batchCommitted: (o) => call('batchCommitted', o),
    batchRetried: (o) => call('batchRetried', o),
    jobsStalled: (n) => call('jobsStalled', n),
    jobInvalid: () => call('jobInvalid'),
    backingOff: (on) => call('backingOff', on),
  };
}
