import type { Config } from '@beacon/config';

/**
 * The four services and how the CLI finds them. Each service package exports
 * `start<Name>(config, overrides?) -> Promise<{ close(): Promise<void>; port?: number }>`.
 * They are loaded with a dynamic `import()` of the package name so the CLI compiles, and its other
 * commands run, in a build that lacks some service (an image built for one tier, a partial checkout).
 */
export const SERVICE_NAMES = ['collector', 'enricher', 'writer', 'api'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceHandle {
  close(): Promise<void>;
  /** The port it listens on (collector, api); workers expose only their metrics port. */
  port?: number;
}

export type StartFn = (config: Config, overrides?: unknown) => Promise<ServiceHandle>;

export interface ServiceSpec {
  name: string;
  /** Package specifier given to import(). */
  pkg: string;
  /** Name of the exported start function. */
  exportName: string;
}

export const SERVICES: Readonly<Record<ServiceName, ServiceSpec>> = {
  collector: { name: 'collector', pkg: '@beacon/collector', exportName: 'startCollector' },
  enricher: { name: 'enricher', pkg: '@beacon/enricher', exportName: 'startEnricher' },
  writer: { name: 'writer', pkg: '@beacon/writer', exportName: 'startWriter' },
  api: { name: 'api', pkg: '@beacon/api', exportName: 'startApi' },
};

/** `serve all` start order: consumers before producers, so the first hits find workers waiting. */
export const START_ORDER: readonly ServiceName[] = ['writer', 'enricher', 'api', 'collector'];

/** A service package that is not installed, or that does not export its start function. */
export class ServiceMissingError extends Error {
  override readonly name = 'ServiceMissingError';
  readonly code = 'SERVICE_MISSING';
}

export function isServiceName(v: string): v is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(v);
}

/** Imports a service package and returns its start function, or throws ServiceMissingError. */
export async function loadService(
  spec: ServiceSpec,
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<StartFn> {
  let mod: unknown;
  try {
    mod = await importer(spec.pkg);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Only "this package is absent" becomes the friendly message; an error inside the service's own
    // module (a missing dependency of the service, a syntax error) is rethrown as it is.
    if (
      (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
      e.message.includes(`'${spec.pkg}'`)
    )
      throw new ServiceMissingError(
        `the ${spec.name} service is not installed: package ${spec.pkg} cannot be found from the CLI.\n` +
          `  In a checkout: pnpm install && pnpm build (the workspace must contain services/${spec.name}).\n` +
          '  In the Docker image: rebuild it from a tree that has every service.',
      );
    throw err;
  }
  const start = (mod as Record<string, unknown>)[spec.exportName];
  if (typeof start !== 'function')
    throw new ServiceMissingError(
      `package ${spec.pkg} does not export a function ${spec.exportName}(config, overrides?)`,
    );
  return start as StartFn;
}
