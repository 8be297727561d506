import type { Config } from '@beacon/config';
import type { Registry } from 'prom-client';
import { createLogger, type Logger } from './logger.js';
import { createRegistry } from './metrics.js';

/** What a service's start may be handed instead of making its own (tests, `beacon serve all`). */
export interface ObservabilityOverrides {
  logger?: Logger;
  registry?: Registry;
}

/** A service's logger (at LOG_LEVEL) and metrics registry: the ones handed in, else its own. */
export function serviceObservability(
  service: string,
  config: Config,
  overrides: ObservabilityOverrides = {},
): { logger: Logger; registry: Registry } {
  return {
    logger: overrides.logger ?? createLogger(service, config.core.logLevel),
    registry: overrides.registry ?? createRegistry(service),
  };
}

/** A service's logger and registry that say nothing: no log lines, no process metrics (tests, the OpenAPI writer). */
export function silentObservability(service: string): { logger: Logger; registry: Registry } {
  return {
    logger: createLogger(service, 'silent'),
    registry: createRegistry(service, { defaultMetrics: false }),
  };
}
