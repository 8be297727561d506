import { ConfigError, settings, type Config } from '@beacon/config';
import { SEGMENT_CALLS } from './compat/segment.js';
import { COMPAT_PATHS } from './intake-routes.js';

/** A path the collector answers on its public port, the setting that puts it there, and what it is. */
interface ServedPath {
  path: string;
  env: string;
  what: string;
}

/** Paths answered before any route (observability's public probes): no setting may take them. */
const PROBES = ['/healthz', '/readyz'];

/** Every path of the collector's public port under the configuration, Beacon's own first. */
export function servedPaths(config: Config): ServedPath[] {
  const c = config.collector;
  const i = config.intake;
  const own = (key: keyof typeof settings.collector & keyof Config['collector'], what: string) => ({
    path: String(c[key]),
    env: settings.collector[key].env,
    what,
  });
  const paths: ServedPath[] = [
    ...PROBES.map((path) => ({ path, env: 'the public health probes', what: 'a probe' })),
    own('scriptPath', 'the tracker script'),
    own('extrasScriptPath', 'the tracker extras script'),
    own('vitalsScriptPath', 'the web vitals script'),
    own('trackPath', "the tracker's single hit"),
    own('batchPath', "the tracker's batch"),
    own('pixelPath', 'the pixel'),
  ];
  const intake = (on: boolean, env: string, what: string, ...at: string[]) => {
    if (on) for (const path of at) paths.push({ path, env, what });
  };
  intake(i.serverEvents, settings.intake.serverEventsPath.env, 'server-side events', i.serverEventsPath);
  intake(i.plausible, settings.intake.plausible.env, 'the Plausible intake', COMPAT_PATHS.plausible);
  intake(i.umami, settings.intake.umami.env, 'the Umami intake', COMPAT_PATHS.umami);
  intake(i.ga4, settings.intake.ga4.env, 'the GA4 intake', COMPAT_PATHS.ga4);
  const segment = SEGMENT_CALLS.map((call) => `${COMPAT_PATHS.segment}/${call}`);
  intake(i.segment, settings.intake.segment.env, 'the Segment intake', ...segment);
  return paths;
}

/** How express matches a route: case-insensitive, a trailing slash ignored. */
const routeKey = (path: string) => path.toLowerCase().replace(/\/+$/, '') || '/';

/**
 * Refuses a configuration in which two of the collector's endpoints share a path (the first route
 * would silently take the other's requests): one problem per collision, naming both settings.
 */
export function assertDistinctPaths(config: Config): void {
  const seen = new Map<string, ServedPath>();
  const problems: { env: string; message: string }[] = [];
  for (const p of servedPaths(config)) {
    const first = seen.get(routeKey(p.path));
    if (!first) seen.set(routeKey(p.path), p);
    else if (first.env !== p.env)
      problems.push({
        env: p.env,
        message:
          `${p.what} at ${p.path} collides with ${first.what} (${first.env}) at ${first.path}; ` +
          'give one of them another path or switch the intake off',
      });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
