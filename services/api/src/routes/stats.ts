import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';

/**
 * Analytics routes (owned by the query module's author; see CONTRIBUTING-ROUTES.md). Placeholder so the
 * route index compiles until the query routes land.
 */
export function registerStatsRoutes(_t: RouteTable, _d: ApiDeps): void {}
