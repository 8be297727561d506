import type { Config } from '@beacon/config';
import { runUntilSignal, type RunOptions } from '@beacon/observability';
import { UserError } from '../context.js';
import type { ServiceSpec } from './service-names.js';

/**
 * Runs services in this process until SIGTERM/SIGINT, then closes them under SHUTDOWN_TIMEOUT_MS
 * (`opts.shutdownTimeoutMs`): the shared service lifecycle (packages/observability, runUntilSignal),
 * with an unclean shutdown reported as the CLI's error.
 */
export async function serveUntilSignal(
  specs: readonly ServiceSpec[],
  config: Config,
  opts: RunOptions,
): Promise<void> {
  const report = await runUntilSignal(specs, config, opts);
  if (!report.clean)
    throw new UserError(
      `shutdown was not clean: ${[
        ...report.failed.map((f) => `${f.name} failed (${f.error})`),
        ...report.timedOut.map((n) => `${n} still closing after ${opts.shutdownTimeoutMs} ms`),
      ].join('; ')}`,
    );
  opts.log.info('stopped cleanly');
}
