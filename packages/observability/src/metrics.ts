import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry for one service with Node's default metrics (CPU, memory, event-loop lag, GC), every
 * series labelled with `service` so one Prometheus job can scrape all four services.
 */
export function createRegistry(service: string, opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'beacon_' });
  return registry;
}
