import type { Config } from '@beacon/config';
import type { Pool } from '@beacon/db';
import type { ExtraHitRoute } from './app.js';
import { ga4Answer, ga4Intake } from './compat/ga4.js';
import { plausibleAnswer, plausibleIntake } from './compat/plausible.js';
import { SEGMENT_CALLS, segmentAnswer, segmentIntake } from './compat/segment.js';
import { CompatSites } from './compat/site-lookup.js';
import { umamiAnswer, umamiIntake } from './compat/umami.js';
import type { IngestAuth } from './ingest-auth.js';
import type { ServerIntake } from './server-intake.js';
import { createServerEvents } from './server-events.js';

export interface IntakeRouteDeps {
  pool: Pool;
  auth: IngestAuth;
  intake: ServerIntake;
  limits: { maxHitBytes: number; maxBatchBytes: number; maxBatchEvents: number };
  /** How long a domain → site lookup is remembered (COLLECTOR_SITE_CACHE_TTL_MS). */
  siteCacheTtlMs: number;
}

/** Paths of the compatible intakes: the peers' own (their clients cannot be told otherwise), except Segment's. */
export const COMPAT_PATHS = {
  plausible: '/api/event',
  umami: '/api/send',
  ga4: '/mp/collect',
  segment: '/segment/v1',
} as const;

/**
 * The collector's hit routes besides the tracker's, each switched by its INTAKE_* setting
 * (docs/server-side.md, docs/compatible-intake.md).
 */
export function intakeRoutes(settings: Config['intake'], deps: IntakeRouteDeps): ExtraHitRoute[] {
  const { auth, intake, limits } = deps;
  const routes: ExtraHitRoute[] = [];
  if (settings.serverEvents)
    routes.push({
      path: settings.serverEventsPath,
      route: 'server_events',
      handler: createServerEvents(deps),
    });
  const sites = new CompatSites(deps.pool, deps.siteCacheTtlMs);
  const one = { sites, intake, maxBytes: limits.maxHitBytes };
  if (settings.plausible)
    routes.push({
      path: COMPAT_PATHS.plausible,
      route: 'plausible',
      handler: plausibleIntake(one),
      answer: plausibleAnswer,
    });
  if (settings.umami)
    routes.push({ path: COMPAT_PATHS.umami, route: 'umami', handler: umamiIntake(one), answer: umamiAnswer });
  if (settings.ga4)
    routes.push({
      path: COMPAT_PATHS.ga4,
      route: 'ga4',
      handler: ga4Intake({ auth, intake, maxBytes: limits.maxBatchBytes }),
      answer: ga4Answer,
    });
  if (settings.segment)
    for (const call of SEGMENT_CALLS)
      routes.push({
        path: `${COMPAT_PATHS.segment}/${call}`,
        route: `segment_${call}`,
        handler: segmentIntake(call, {
          auth,
          intake,
          maxBytes: call === 'batch' ? limits.maxBatchBytes : limits.maxHitBytes,
          maxEvents: limits.maxBatchEvents,
        }),
        answer: segmentAnswer,
      });
  return routes;
}
