import type { Config } from '@beacon/config';
import type { Logger } from '@beacon/observability';
import type { ServiceHandle, ServiceSpec } from './service-names.js';

export interface Running {
  name: string;
  handle: ServiceHandle;
}

/**
 * Starts services in the given order; when a start fails, the services already started are closed
 * again before the error propagates.
 */
export async function startServices(
  specs: readonly ServiceSpec[],
  config: Config,
  opts: { log: Logger },
): Promise<Running[]> {
  const running: Running[] = [];
  for (const spec of specs) {
    try {
      const handle = await spec.start(config);
      running.push({ name: spec.name, handle });
      opts.log.info({ unit: spec.name, port: handle.port }, `${spec.name} started`);
    } catch (err) {
      opts.log.error({ err, unit: spec.name }, `${spec.name} failed to start; stopping the others`);
      await closeWithin(running, 10_000, opts.log);
      throw err;
    }
  }
  return running;
}

export interface CloseReport {
  /** true when every service closed before the deadline and none failed. */
  clean: boolean;
  closed: string[];
  failed: { name: string; error: string }[];
  /** Still closing when the deadline passed. */
  timedOut: string[];
}

/**
 * Closes every service at once (each one's close() is its own graceful path: the collector stops
 * accepting and flushes its micro-batch to Redis, workers finish or hand back their current jobs), but
 * gives up after `timeoutMs`. The caller then exits even if a close() hangs: a job left active is
 * taken back by BullMQ's stalled-job check and retried, and the writer's inserts are idempotent, so
 * exiting late loses nothing that exiting on time would keep.
 */
export async function closeWithin(
  running: readonly Running[],
  timeoutMs: number,
  log: Logger,
): Promise<CloseReport> {
  const report: CloseReport = { clean: true, closed: [], failed: [], timedOut: [] };
  const pending = new Set(running.map((r) => r.name));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const all = Promise.all(
    running.map(async ({ name, handle }) => {
      try {
        await handle.close();
        report.closed.push(name);
        log.info({ unit: name }, `${name} closed`);
      } catch (err) {
        report.failed.push({ name, error: (err as Error).message });
        log.error({ err, unit: name }, `${name} failed to close cleanly`);
      } finally {
        pending.delete(name);
      }
    }),
  );
  const outcome = await Promise.race([all.then(() => 'done' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    report.timedOut = [...pending];
    log.error(
      { services: report.timedOut, timeoutMs },
      'shutdown deadline passed; exiting without waiting for them',
    );
  }
  report.clean = report.failed.length === 0 && report.timedOut.length === 0;
  return report;
}

/**
 * Resolves on the first SIGTERM or SIGINT. A second signal while shutting down exits at once (an
 * impatient Ctrl-C, or an orchestrator that lost patience), with the conventional 128+signal code.
 */
export function waitForShutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      received = true;
      log.info({ signal }, 'shutting down');
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
