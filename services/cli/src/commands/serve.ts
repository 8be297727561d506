import type { Command } from 'commander';
import { createLogger } from '@beacon/observability';
import { UserError, type CliContext } from '../context.js';
import { serveUntilSignal } from '../serve/serve.js';
import { isServiceName, SERVICE_NAMES, START_ORDER } from '../serve/service-names.js';

export function registerServe(program: Command, ctx: () => CliContext): void {
  program
    .command('serve')
    .description(
      `run one service (${SERVICE_NAMES.join('|')}) or all four in this process (all); stops cleanly on SIGTERM/SIGINT`,
    )
    .argument('<service>', `${SERVICE_NAMES.join(', ')} or all`)
    .action(async (service: string) => {
      if (service !== 'all' && !isServiceName(service))
        throw new UserError(
          `unknown service ${JSON.stringify(service)}: use ${SERVICE_NAMES.join(', ')} or all`,
        );
      const config = ctx().config();
      const names = service === 'all' ? START_ORDER : [service];
      const { SERVICES } = await import('../serve/services.js');
      await serveUntilSignal(
        names.map((n) => SERVICES[n]),
        config,
        {
          log: createLogger('beacon', config.core.logLevel),
          shutdownTimeoutMs: config.ops.shutdownTimeoutMs,
        },
      );
    });
}
