import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import { registerAccountRoutes } from './account.js';
import { registerAgencyRoutes } from './agency.js';
import { registerAlertRoutes } from './alerts.js';
import { registerBrandingRoutes } from './branding.js';
import { registerSiteAccessRoutes } from './site-access.js';
import { registerAuthRoutes } from './auth.js';
import { registerOpsRoutes } from './ops.js';
import { registerReportRoutes } from './reports.js';
import { registerShareLinkRoutes } from './share-links.js';
import { registerSiteRoutes } from './sites.js';
import { registerStatsRoutes } from './stats.js';
import { registerUsageRoutes } from './usage.js';
import { registerUserRoutes } from './users.js';

/** Every route module of the API, in document order. A new module adds one line here. */
export function registerRoutes(t: RouteTable, d: ApiDeps, document: () => Record<string, unknown>): void {
  registerOpsRoutes(t, d, document);
  registerAuthRoutes(t, d);
  registerAgencyRoutes(t, d);
  registerBrandingRoutes(t, d);
  registerUserRoutes(t, d);
  registerAccountRoutes(t, d);
  registerSiteRoutes(t, d);
  registerSiteAccessRoutes(t, d);
  registerShareLinkRoutes(t, d);
  registerReportRoutes(t, d);
  registerAlertRoutes(t, d);
  registerUsageRoutes(t, d);
  registerStatsRoutes(t, d);
}
