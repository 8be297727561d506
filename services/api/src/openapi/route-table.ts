import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  Router,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router as ExpressRouter,
} from 'express';
import { z } from 'zod';
import { ANY_ROLE, type AuthContext, type Role, type SiteScope } from '../auth/types.js';
import { errorBodySchema, ForbiddenError, UnauthorizedError } from '../http/errors.js';
import { parseInput, siteIdParam } from '../http/validate.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** Body schema (omit for an empty body, e.g. 204). */
  schema?: z.ZodType;
  /** Default application/json; e.g. 'text/csv' for a streamed export (then `schema` may be z.string()). */
  contentType?: string;
}

/**
 * An answer in short: its description alone (an empty body, or the common error shape for a 4xx),
 * `[description, schema]` for a JSON body, or the full ResponseSpec (another content type).
 */
export type Answer = string | readonly [description: string, schema: z.ZodType] | ResponseSpec;

/** 'get /v1/sites/:siteId/stats/overview': the method and the express path of a route in one line. */
export type RouteLine = `${Method} /${string}`;
/** The express path of a route line. */
export type PathOf<R extends string> = R extends `${Method} ${infer Path}` ? Path : never;

type AnySchema = z.ZodType | undefined;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteSpec<
  R extends RouteLine,
  P extends AnySchema,
  Q extends AnySchema,
  B extends AnySchema,
> {
  /** Method and express path, e.g. 'get /v1/sites/:siteId/stats/overview'. `:siteId` turns on the site scope. */
  route: R;
  summary: string;
  description?: string;
  tags?: string[];
  /** false for public routes (login, health, the document itself). Default true. */
  auth?: boolean;
  /** Roles allowed; default every role. API keys count as admin. */
  roles?: readonly Role[];
  /**
   * Whether viewers of a shared dashboard (share-link tokens) may call it: 'read' (dashboard reads),
   * 'csv' (only when the link allows CSV). Default: never. Share callers are also held to the link's
   * site and its fixed filters (they replace the query's filter parameters).
   */
  share?: 'read' | 'csv';
  /** The path parameters (default: each `:name` a non-empty string, `:siteId` a site reference). */
  params?: P;
  query?: Q;
  body?: B;
  /** Status → answer. The first 2xx is the status of a value returned by the handler. */
  responses: Record<number, Answer>;
}

type AnyRouteSpec = RouteSpec<RouteLine, AnySchema, AnySchema, AnySchema>;

/** A spec as the table reads it: the route line split, the answers in full. */
interface FullSpec extends Omit<AnyRouteSpec, 'route' | 'responses'> {
  method: Method;
  path: string;
  responses: Record<number, ResponseSpec>;
}

function fullAnswer(a: Answer): ResponseSpec {
  if (typeof a === 'string') return { description: a };
  if (Array.isArray(a)) return { description: a[0], schema: a[1] };
  return a as ResponseSpec;
}

function fullSpec({ route, responses, ...rest }: AnyRouteSpec): FullSpec {
  const space = route.indexOf(' ');
  return {
    ...rest,
    method: route.slice(0, space) as Method,
    path: route.slice(space + 1),
    responses: Object.fromEntries(Object.entries(responses).map(([s, a]) => [s, fullAnswer(a)])),
  };
}

type SiteOf<Path extends string> = Path extends `${string}:siteId${string}` ? SiteScope : undefined;
type AuthOf<A> = A extends false ? AuthContext | undefined : AuthContext;

export interface RouteContext<Path extends string, P, Q, B, A = true> {
  params: P;
  query: Q;
  body: B;
  /** Who is calling (set on every route with auth). */
  auth: AuthOf<A>;
  /** The site of a `:siteId` route, already checked to belong to the caller's agency. */
  site: SiteOf<Path>;
  req: Request;
  res: Response;
  /** Overrides the status of the returned value (default: the first 2xx of `responses`). */
  setStatus(status: number): void;
}

/**
 * Returns the JSON body, or undefined after answering itself (streams, redirects, 204 via res.end()).
 */
export type RouteHandler<Path extends string, P, Q, B, A> = (
  ctx: RouteContext<Path, P, Q, B, A>,
) => unknown | Promise<unknown>;

/** Middleware the table needs from the app: who is calling, and which site `:siteId` names. */
export interface RouteTableHooks {
  authenticate: (req: Request) => Promise<AuthContext>;
  resolveSite: (auth: AuthContext, siteRef: string) => Promise<SiteScope>;
  /** Told of every authenticated request (usage: API calls per agency), before the guards. */
  authenticated?: (auth: AuthContext) => void;
}

export interface RegisteredRoute {
  method: Method;
  path: string;
  openapiPath: string;
  auth: boolean;
  roles: readonly Role[];
  share: 'read' | 'csv' | null;
}

/** A handler as the table calls it, whatever its route's types. */
type AnyHandler = (ctx: {
  params: unknown;
  query: unknown;
  body: unknown;
  auth: AuthContext | undefined;
  site: SiteScope | undefined;
  req: Request;
  res: Response;
  setStatus(status: number): void;
}) => unknown;

/** What `define` works out once from a spec, for the express handler and the document alike. */
interface Compiled {
  needsAuth: boolean;
  roles: readonly Role[];
  siteScoped: boolean;
  paramNames: string[];
  paramsSchema: z.ZodType | undefined;
  successStatus: number;
}

function compile(spec: FullSpec): Compiled {
  const paramNames = [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const paramsSchema: z.ZodType | undefined =
    spec.params ??
    (paramNames.length > 0
      ? z.object(
          Object.fromEntries(
            paramNames.map((n) => [n, n === 'siteId' ? siteIdParam : z.string().min(1).max(200)]),
          ),
        )
      : undefined);
  const successStatus = Number(
    Object.keys(spec.responses).find((s) => Number(s) >= 200 && Number(s) < 300) ?? 200,
  );
  return {
    needsAuth: spec.auth !== false,
    roles: spec.roles ?? ANY_ROLE,
    siteScoped: spec.path.includes(':siteId'),
    paramNames,
    paramsSchema,
    successStatus,
  };
}

/**
 * The role guard and the share-link guard: the caller's role must be allowed; a share-link viewer
 * reaches only routes declaring `share` (CSV ones only when the link allows CSV), and a link with
 * fixed filters only routes that take the stats filters (answering unfiltered would leak past its
 * page scope).
 */
function guard(
  auth: AuthContext,
  roles: readonly Role[],
  share: FullSpec['share'],
  takesFilters: boolean,
): void {
  if (!roles.includes(auth.role)) throw new ForbiddenError(`this needs the role ${roles.join(' or ')}`);
  if (auth.share && (!share || (share === 'csv' && !auth.share.allowCsv)))
    throw new ForbiddenError('a shared dashboard link does not open this');
  if (auth.share && !takesFilters && Object.keys(auth.share.filters).length > 0)
    throw new ForbiddenError("this is outside the share link's scope");
}

/** The `:siteId` of a site route, checked before anything else (built once: zod compiles a schema on its first use). */
const SITE_REF = z.object({ siteId: siteIdParam });

const errorAnswer = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});

/** The documented answers: the spec's, then the errors the table itself may give. */
function documentedResponses(spec: FullSpec, c: Compiled): RouteConfig['responses'] {
  const responses: RouteConfig['responses'] = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    // An error answer declared without a schema has the common error shape.
    const schema = r.schema ?? (Number(status) >= 400 ? errorBodySchema : undefined);
    responses[status] = schema
      ? {
          description: r.description,
          content: { [r.contentType ?? 'application/json']: { schema } },
        }
      : { description: r.description };
  }
  if (spec.query || spec.body || c.paramsSchema) responses['400'] ??= errorAnswer('Invalid input');
  if (c.needsAuth) {
    responses['401'] ??= errorAnswer('Missing, invalid or expired credentials');
    if (c.roles.length < ANY_ROLE.length)
      responses['403'] ??= errorAnswer(`Role not allowed (needs ${c.roles.join(' or ')})`);
  }
  if (c.siteScoped || c.paramNames.length > 0)
    responses['404'] ??= errorAnswer('Not found (or not visible to the caller)');
  responses['default'] ??= errorAnswer('Error');
  return responses;
}

/**
 * Every HTTP route of the API goes through `define`: it is added to the express router AND to the
 * OpenAPI registry from the same zod schemas, so the served document cannot forget a route. The table
 * also applies, in this order: authentication, the role guard, the tenant site scope (`:siteId`),
 * validation of params/query/body, and the JSON answer. Handlers only see validated, scoped input.
 */
export class RouteTable {
  readonly router: ExpressRouter = Router();
  readonly registry = new OpenAPIRegistry();
  readonly routes: RegisteredRoute[] = [];

  constructor(private readonly hooks: RouteTableHooks) {
    this.registry.registerComponent('securitySchemes', 'bearer', {
      type: 'http',
      scheme: 'bearer',
      description:
        'A dashboard access token (JWT from POST /v1/auth/login) or an agency API key (bk_<8 hex>_<secret>).',
    });
  }

  define<
    R extends RouteLine,
    P extends AnySchema = undefined,
    Q extends AnySchema = undefined,
    B extends AnySchema = undefined,
    A extends boolean = true,
  >(
    short: RouteSpec<R, P, Q, B> & { auth?: A },
    handler: RouteHandler<PathOf<R>, Out<P>, Out<Q>, Out<B>, A>,
  ): void {
    const spec = fullSpec(short);
    const c = compile(spec);
    this.router[spec.method](spec.path, this.expressHandler(spec, c, handler as unknown as AnyHandler));
    this.addToDocument(spec, c);
  }

  /** Authentication, guards, site scope, validation, then the handler and its JSON answer. */
  private expressHandler(spec: FullSpec, c: Compiled, handler: AnyHandler): RequestHandler {
    // Routes whose query takes the stats filters can honour a share link's fixed filters.
    const querySchema = spec.query as { shape?: Record<string, unknown> } | undefined;
    const takesFilters = Boolean(querySchema?.shape && 'page_path' in querySchema.shape);
    return async (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = spec.path;
      try {
        let auth: AuthContext | undefined;
        if (c.needsAuth) {
          auth = await this.hooks.authenticate(req);
          req.auth = auth;
          this.hooks.authenticated?.(auth);
          guard(auth, c.roles, spec.share, takesFilters);
        }
        // The site scope comes before the other parameters: a foreign site is a 404 whatever else
        // the request says (no hint from a 400 about what the route would have accepted).
        if (c.siteScoped) {
          if (!auth) throw new UnauthorizedError();
          const siteRef = parseInput('params', SITE_REF, {
            siteId: req.params.siteId,
          }).siteId;
          req.site = await this.hooks.resolveSite(auth, siteRef);
        }
        const params = c.paramsSchema ? parseInput('params', c.paramsSchema, req.params) : undefined;
        let query: unknown = spec.query ? parseInput('query', spec.query, req.query) : undefined;
        // A share link's fixed filters (page scope, segment) win over whatever the viewer asks.
        if (auth?.share && query && typeof query === 'object')
          query = { ...(query as Record<string, unknown>), ...auth.share.filters };
        const body = spec.body ? parseInput('body', spec.body, req.body) : undefined;
        let status = c.successStatus;
        const setStatus = (s: number) => {
          status = s;
        };
        const result = await handler({ params, query, body, auth, site: req.site, req, res, setStatus });
        if (res.headersSent || res.writableEnded) return;
        if (result === undefined) res.status(status).end();
        else res.status(status).json(result);
      } catch (err) {
        next(err);
      }
    };
  }

  /** Lists the route and registers it in the OpenAPI document. */
  private addToDocument(spec: FullSpec, c: Compiled): void {
    const openapiPath = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    this.routes.push({
      method: spec.method,
      path: spec.path,
      openapiPath,
      auth: c.needsAuth,
      roles: c.roles,
      share: spec.share ?? null,
    });
    const request: RouteConfig['request'] = {};
    if (c.paramsSchema) request.params = c.paramsSchema as never;
    if (spec.query) request.query = spec.query as never;
    if (spec.body) request.body = { required: true, content: { 'application/json': { schema: spec.body } } };
    this.registry.registerPath({
      method: spec.method,
      path: openapiPath,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags ?? [],
      ...(c.needsAuth ? { security: [{ bearer: [] }] } : {}),
      ...(c.needsAuth && c.roles.length < ANY_ROLE.length ? { 'x-roles': [...c.roles] } : {}),
      ...(spec.share ? { 'x-share': spec.share } : {}),
      request,
      responses: documentedResponses(spec, c),
    } as RouteConfig);
  }

  /** The OpenAPI 3.1 document of every defined route. */
  document(info: { title: string; version: string; description?: string }): Record<string, unknown> {
    const generator = new OpenApiGeneratorV31(this.registry.definitions);
    return generator.generateDocument({
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
    }) as unknown as Record<string, unknown>;
  }
}
