import type { Config } from '@beacon/config';
import type { ServiceSpec as LifecycleSpec } from '@beacon/observability';

export type { ServiceHandle } from '@beacon/observability';

/** The four services by name, and how `serve all` orders them. The start functions: services.ts. */
export const SERVICE_NAMES = ['collector', 'enricher', 'writer', 'api'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A service `beacon serve` can run (the shared lifecycle's spec, started from the whole config). */
export type ServiceSpec = LifecycleSpec<Config>;

/** `serve all` start order: consumers before producers, so the first hits find workers waiting. */
export const START_ORDER: readonly ServiceName[] = ['writer', 'enricher', 'api', 'collector'];

export function isServiceName(v: string): v is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(v);
}
