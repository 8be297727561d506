import type { Config } from '@beacon/config';
import type { Registry } from 'prom-client';
import { createLogger, type Logger } from './logger.js';
import { createRegistry } from './metrics.js';
import { serviceMetrics, type ServiceMetrics, type ServiceName } from './service-metrics.js';

/** What a service's start may be handed instead of making its own (tests, `beacon serve all`). */
export interface ObservabilityOverrides {
  logger?: Logger;
  registry?: Registry;
}

/**
 * A service's logger (at LOG_LEVEL), metrics registry (the ones handed in, else its own) and its own
 * series (service-metrics.ts) registered on that registry.
 */
export function serviceObservability<S extends ServiceName>(
  service: S,
  config: Config,
  overrides: ObservabilityOverrides = {},
): { logger: Logger; registry: Registry; metrics: ServiceMetrics<S> } {
  const registry = overrides.registry ?? createRegistry(service);
  return {
    logger: overrides.logger ?? createLogger(service, config.core.logLevel),
    registry,
    metrics: serviceMetrics(service, registry),
  };
}

/** A service's logger and registry that say nothing: no log lines, no process metrics (tests, the OpenAPI writer). */
export function silentObservability(service: string): { logger: Logger; registry: Registry } {
  return {
    logger: createLogger(service, 'silent'),
    registry: createRegistry(service, { defaultMetrics: false }),
  };
}
