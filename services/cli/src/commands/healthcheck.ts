import type { Command } from 'commander';
import type { Config } from '@beacon/config';
import { UserError, type CliContext } from '../context.js';
import { isServiceName, SERVICE_NAMES, type ServiceName } from '../serve/service-names.js';

/**
 * Where each service answers the probes (from the same settings it listens on): /healthz on its main
 * port (for the collector and the api, the internet-facing port itself is alive), /readyz on its ops
 * port (the internal COLLECTOR_OPS_PORT / API_OPS_PORT; the workers have only their metrics port).
 */
export function probePort(config: Config, service: ServiceName, path: '/healthz' | '/readyz'): number {
  switch (service) {
    case 'collector':
      return path === '/healthz' ? config.collector.port : config.collector.opsPort;
    case 'api':
      return path === '/healthz' ? config.api.port : config.api.opsPort;
    case 'enricher':
      return config.enricher.metricsPort;
    case 'writer':
      return config.writer.metricsPort;
  }
}

async function probe(port: number, path: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * `beacon healthcheck [service] [--ready]`: exit 0 when the service answers /healthz (or /readyz).
 * Used by the image's HEALTHCHECK (node:*-slim has no curl); without a service name it passes when any
 * of the four answers, so one HEALTHCHECK line serves an image that runs any of them.
 */
export function registerHealthcheck(program: Command, ctx: () => CliContext): void {
  program
    .command('healthcheck')
    .description(
      'exit 0 when a local service answers /healthz (or /readyz with --ready); for container health checks',
    )
    .argument('[service]', `${SERVICE_NAMES.join(', ')}; default: any of them`)
    .option('--ready', 'check /readyz (dependencies answer) instead of /healthz (process alive)')
    .action(async (service: string | undefined, opts: { ready?: boolean }) => {
      if (service !== undefined && !isServiceName(service))
        throw new UserError(`unknown service ${JSON.stringify(service)}: use ${SERVICE_NAMES.join(', ')}`);
      const config = ctx().config();
      const path = opts.ready ? '/readyz' : '/healthz';
      const names = service ? [service] : SERVICE_NAMES;
      const results = await Promise.all(names.map((n) => probe(probePort(config, n, path), path)));
      if (!results.some(Boolean))
        throw new UserError(
          `${names.join('/')} did not answer ${path} on 127.0.0.1:${names.map((n) => probePort(config, n, path)).join('/')}`,
        );
    });
}
