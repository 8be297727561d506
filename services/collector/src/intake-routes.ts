import type { Config } from '@beacon/config';
import type { ExtraHitRoute } from './app.js';
import type { IngestAuth } from './ingest-auth.js';
import type { ServerIntake } from './server-intake.js';
import { createServerEvents } from './server-events.js';
import type { SiteCache } from './sites.js';

export interface IntakeRouteDeps {
  auth: IngestAuth;
  intake: ServerIntake;
  sites: SiteCache;
  limits: { maxHitBytes: number; maxBatchBytes: number; maxBatchEvents: number };
}

/** The collector's hit routes besides the tracker's, each switched by its INTAKE_* setting. */
export function intakeRoutes(settings: Config['intake'], deps: IntakeRouteDeps): ExtraHitRoute[] {
  const routes: ExtraHitRoute[] = [];
  if (settings.serverEvents)
    routes.push({ path: settings.serverEventsPath, route: 'server_events', handler: createServerEvents(deps) });
  return routes;
}
