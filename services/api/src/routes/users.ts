import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';

export function registerUserRoutes(_t: RouteTable, _d: ApiDeps): void {}
