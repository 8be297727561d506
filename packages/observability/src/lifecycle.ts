import { ConfigError, loadConfigOrExit, loadDotEnv, type Config } from '@beacon/config';
import type { Logger } from 'pino';
import { withinDeadline } from './deadline.js';
import { createLogger } from './logger.js';

/**
 * One service lifecycle for every process that runs Beacon services: each service's own entry
 * (services/x/src/main.ts) and `beacon serve` (one or all four in one process). Start in order, close
 * every started one again when a later start fails, run until SIGTERM/SIGINT, close under a deadline,
 * and exit fast on an error nobody caught.
 */

/** What a started service gives back: its graceful close (and the port it listens on, if any). */
export interface ServiceHandle {
  close(): Promise<void>;
  port?: number | null | undefined;
}

export interface ServiceSpec<C = Config> {
  name: string;
  start(config: C): Promise<ServiceHandle>;
}

export interface Running {
  name: string;
  handle: ServiceHandle;
}

/** How long closing what already started may take when a later start fails. */
const FAILED_START_CLOSE_MS = 10_000;

/**
 * Starts services in the given order; when a start fails, the services already started are closed
 * again before the error propagates.
 */
export async function startServices<C>(
  specs: readonly ServiceSpec<C>[],
  config: C,
  opts: { log: Logger },
): Promise<Running[]> {
  const running: Running[] = [];
  for (const spec of specs) {
    try {
      const handle = await spec.start(config);
      running.push({ name: spec.name, handle });
      opts.log.info({ unit: spec.name, port: handle.port }, `${spec.name} started`);
    } catch (err) {
      // A refused configuration is the caller's to report (its reasons on stderr, exit 78), once.
      if (err instanceof ConfigError)
        opts.log.info({ unit: spec.name }, `${spec.name} refused its configuration; stopping the others`);
      else opts.log.error({ err, unit: spec.name }, `${spec.name} failed to start; stopping the others`);
      await closeWithin(running, FAILED_START_CLOSE_MS, opts.log);
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
  await withinDeadline(all, timeoutMs, () => {
    report.timedOut = [...pending];
    log.error(
      { services: report.timedOut, timeoutMs },
      'shutdown deadline passed; exiting without waiting for them',
    );
  });
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

/**
 * An exception or rejection nobody caught leaves a service in an unknown state: log it and exit fast,
 * and let the supervisor (compose restart policy, Kubernetes) start a clean process. Jobs this process
 * held return to their queue when their locks expire.
 */
export function exitOnFatal(log: Logger): void {
  const onFatal = (err: unknown, origin: string) => {
    log.fatal({ err, origin }, 'uncaught error; exiting');
    process.exit(1);
  };
  process.on('uncaughtException', (err) => onFatal(err, 'uncaughtException'));
  process.on('unhandledRejection', (err) => onFatal(err, 'unhandledRejection'));
}

export interface RunOptions {
  log: Logger;
  /** How long closing may take after the signal (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** Called once every service is up; what it returns is closed together with the services. */
  onReady?: (running: readonly Running[]) => Promise<Running[] | void>;
}

/**
 * Runs services in this process until SIGTERM/SIGINT, then closes them under the deadline and answers
 * how that went. The signal listener and the fatal-error handlers are installed before anything
 * starts, so a Ctrl-C during start-up still closes whatever has started instead of killing it half-way.
 */
export async function runUntilSignal<C>(
  specs: readonly ServiceSpec<C>[],
  config: C,
  opts: RunOptions,
): Promise<CloseReport> {
  const signal = waitForShutdownSignal(opts.log);
  exitOnFatal(opts.log);
  const running = await startServices(specs, config, { log: opts.log });
  const all = [...running];
  try {
    all.push(...((await opts.onReady?.(running)) ?? []));
  } catch (err) {
    await closeWithin(all, opts.shutdownTimeoutMs, opts.log);
    throw err;
  }
  await signal;
  return closeWithin(all, opts.shutdownTimeoutMs, opts.log);
}

/**
 * The whole of a service's process entry (`node services/x/dist/main.js`): .env, config (a bad one
 * exits 78 with the reasons), logger, then runUntilSignal with SHUTDOWN_TIMEOUT_MS; exits 0 after a
 * clean close, 1 otherwise. A ConfigError thrown by the start (a setting the service cannot start
 * with, e.g. two collector endpoints on one path) exits 78 with its reasons too, as `beacon` does.
 */
export async function runServiceMain(
  name: string,
  start: (config: Config, log: Logger) => Promise<ServiceHandle>,
): Promise<never> {
  loadDotEnv();
  const config = loadConfigOrExit();
  const log = createLogger(name, config.core.logLevel);
  try {
    const report = await runUntilSignal([{ name, start: (c: Config) => start(c, log) }], config, {
      log,
      shutdownTimeoutMs: config.ops.shutdownTimeoutMs,
    });
    process.exit(report.clean ? 0 : 1);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    log.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
}
