import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';

export function registerSiteRoutes(_t: RouteTable, _d: ApiDeps): void {}
