import type { Config } from '@beacon/config';

/** The four services by name, and how `serve all` orders them. The start functions: services.ts. */
export const SERVICE_NAMES = ['collector', 'enricher', 'writer', 'api'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceHandle {
  close(): Promise<void>;
  /** The port it listens on (collector, api); workers expose only their metrics port. */
  port?: number;
}

export interface ServiceSpec {
  name: string;
  start(config: Config): Promise<ServiceHandle>;
}

/** `serve all` start order: consumers before producers, so the first hits find workers waiting. */
export const START_ORDER: readonly ServiceName[] = ['writer', 'enricher', 'api', 'collector'];

export function isServiceName(v: string): v is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(v);
}
