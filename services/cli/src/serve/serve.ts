import type { Config } from '@beacon/config';
import type { Logger } from '@beacon/observability';
import { UserError } from '../context.js';
import { closeWithin, startServices, waitForShutdownSignal, type Running } from './lifecycle.js';
import type { ServiceSpec } from './service-names.js';

export interface ServeOptions {
  log: Logger;
  /** SHUTDOWN_TIMEOUT_MS: see closeWithin and packages/config/src/settings/ops.ts. */
  shutdownTimeoutMs: number;
  /**
   * Called once every service is up (beacon start serves its demo page and prints its banner here);
   * what it returns is closed together with the services.
   */
  onReady?: (running: readonly Running[]) => Promise<Running[] | void>;
}

/**
 * Runs services in this process until SIGTERM/SIGINT, then closes them under the deadline.
 * The signal listener is installed before anything starts, so a Ctrl-C during start-up still closes
 * whatever has started instead of killing it half-way.
 */
export async function serveUntilSignal(
  specs: readonly ServiceSpec[],
  config: Config,
  opts: ServeOptions,
): Promise<void> {
  const signal = waitForShutdownSignal(opts.log);
  // An exception nobody caught leaves a service in an unknown state: log it and exit fast, and let
  // the supervisor (compose restart policy, Kubernetes) start a clean process.
  const onFatal = (err: unknown) => {
    opts.log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  const running = await startServices(specs, config, { log: opts.log });
  const all = [...running];
  try {
    all.push(...((await opts.onReady?.(running)) ?? []));
  } catch (err) {
    await closeWithin(all, opts.shutdownTimeoutMs, opts.log);
    throw err;
  }
  await signal;
  const report = await closeWithin(all, opts.shutdownTimeoutMs, opts.log);
  if (!report.clean)
    throw new UserError(
      `shutdown was not clean: ${[
        ...report.failed.map((f) => `${f.name} failed (${f.error})`),
        ...report.timedOut.map((n) => `${n} still closing after ${opts.shutdownTimeoutMs} ms`),
      ].join('; ')}`,
    );
  opts.log.info('stopped cleanly');
}
