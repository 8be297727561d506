import cookieParser from 'cookie-parser';
import { trustProxyFor } from '@beacon/config';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { Authenticator } from './auth/authenticate.js';
import { resolveSite } from './auth/site-scope.js';
import type { ApiDeps } from './deps.js';
import { dashboard } from './http/dashboard.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { requestContext } from './http/request-context.js';
import { sharePageHeaders } from './http/share-page.js';
import { RouteTable } from './openapi/route-table.js';
import { registerRoutes } from './routes/index.js';
import './types.js';

export const API_VERSION = '0.1.0';

export interface ApiApp {
  app: Express;
  table: RouteTable;
  /** The OpenAPI 3.1 document of every route (what /openapi.json serves). */
  document(): Record<string, unknown>;
}

export const OPENAPI_INFO = {
  title: 'Beacon API',
  version: API_VERSION,
  description:
    'Query API of Beacon: analytics of tracked sites, authentication, and administration of sites, users and the agency. ' +
    'Errors are JSON {error, message, details}. Site routes accept the site uuid or its script_id.',
};

/** The express app of the API, with every route defined through the route table. */
export function createApp(deps: ApiDeps, opts: { dashboardDir?: string } = {}): ApiApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // API_TRUST_PROXY (or TRUST_PROXY): the client IP of login limits must not be settable by any client.
  app.set('trust proxy', trustProxyFor(deps.config, 'api'));

  const auth = new Authenticator(
    deps.pool,
    deps.tokens,
    deps.apiKeys,
    (reason) => deps.metrics.authFailures.inc({ reason }),
    deps.shares,
  );
  const table = new RouteTable({
    authenticate: (req) => auth.authenticate(req),
    resolveSite: (a, ref) => resolveSite(deps.pool, a, ref),
    authenticated: (a) => deps.apiCalls.count(a),
  });
  const document = () => table.document(OPENAPI_INFO);

  app.use(requestContext(deps.logger, deps.metrics, deps.config.api.requestLogLevel));
  app.use(helmet());
  if (deps.config.api.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: deps.config.api.corsOrigins,
        credentials: true,
        exposedHeaders: ['x-request-id', 'retry-after'],
        maxAge: 600,
      }),
    );
  }
  app.use(express.json({ limit: deps.config.api.bodyLimitBytes, strict: true }));
  app.use(cookieParser());

  registerRoutes(table, deps, document);
  app.use(table.router);
  app.use(sharePageHeaders(deps.pool)); // a share link's page may be framed by its origins
  app.use(dashboard(opts.dashboardDir ?? '')); // the web dashboard at / (never shadows the routes above)
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return { app, table, document };
}
