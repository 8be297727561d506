export { startApi, buildDeps, resolveJwtSecret, type ApiHandle, type ApiOverrides } from './server.js';
export { createApp, OPENAPI_INFO, API_VERSION, type ApiApp } from './app.js';
export type { ApiDeps } from './deps.js';
export {
  RouteTable,
  type RouteSpec,
  type RouteContext,
  type RouteHandler,
  type Method,
} from './openapi/route-table.js';
export {
  ValidationError,
  NotFoundError,
  ForbiddenError,
  UnauthorizedError,
  ConflictError,
} from './http/errors.js';
export type { AuthContext, SiteScope, Role } from './auth/types.js';
