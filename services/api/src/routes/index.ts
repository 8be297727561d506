import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import { registerAgencyRoutes } from './agency.js';
import { registerAuditRoutes } from './audit.js';
import { registerAuthRoutes } from './auth.js';
import { registerExportRoutes } from './export.js';
import { registerFunnelRoutes } from './funnels.js';
import { registerGoalRoutes } from './goals.js';
import { registerCompanyOverrideRoutes } from './company-overrides.js';
import { registerIngestRoutes } from './ingest.js';
import { registerOpsRoutes } from './ops.js';
import { registerRevenueRoutes } from './revenue.js';
import { registerSegmentRoutes } from './segments.js';
import { registerPrivacyRoutes } from './privacy.js';
import { registerSiteRoutes } from './sites.js';
import { registerStatsRoutes } from './stats.js';
import { registerUserRoutes } from './users.js';
import { registerVitalsRoutes } from './vitals.js';

/** Every route module of the API, in document order. A new module adds one line here. */
export function registerRoutes(t: RouteTable, d: ApiDeps, document: () => Record<string, unknown>): void {
  registerOpsRoutes(t, d, document);
  registerAuthRoutes(t, d);
  registerAgencyRoutes(t, d);
  registerUserRoutes(t, d);
  registerSiteRoutes(t, d);
  registerStatsRoutes(t, d);
  registerExportRoutes(t, d);
  registerGoalRoutes(t, d);
  registerRevenueRoutes(t, d);
  registerVitalsRoutes(t, d);
  registerSegmentRoutes(t, d);
  registerFunnelRoutes(t, d);
  registerCompanyOverrideRoutes(t, d);
  registerPrivacyRoutes(t, d);
  registerAuditRoutes(t, d);
  registerIngestRoutes(t, d);
}
