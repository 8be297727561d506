import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import { handlePublicProbes, type Logger, type OpsEndpoints } from '@beacon/observability';
import { CLIENT_HINT_HEADERS, HttpError } from '@beacon/schema';
import type { Config, TrustProxyValue } from '@beacon/config';
import { UnavailableError } from './errors.js';
import { checkContentType, type Intake } from './intake.js';
import type { CollectorMetrics } from '@beacon/observability';
import type { SiteSettings } from './site-settings.js';
import type { TrackerAssets, TrackerFile } from './tracker.js';

export interface AppDeps {
  config: Config['collector'];
  /** Resolved COLLECTOR_TRUST_PROXY (or TRUST_PROXY): whose X-Forwarded-For gives the visitor IP. */
  trustProxy: TrustProxyValue;
  intake: Intake;
  siteSettings: SiteSettings;
  assets: TrackerAssets;
  metrics: CollectorMetrics;
  logger: Logger;
  ops: OpsEndpoints;
  /** Hit routes besides the tracker's (server-side events, compatible intakes): POST, answered like /v1/batch. */
  extraHitRoutes?: readonly ExtraHitRoute[];
}

export interface ExtraHitRoute {
  path: string;
  /** The `route` label of the HTTP metrics. */
  route: string;
  handler: (req: Request) => Promise<unknown>;
  /** The success answer when it is not `202 {accepted, rejected}` (a peer's clients expect its own). */
  answer?: (out: unknown) => { status: number; body: unknown };
}

/** A transparent 1x1 GIF (43 bytes). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** Asks browsers for the client hints the enricher reads (UA-CH); Chrome sends them on later requests. */
const ACCEPT_CH = CLIENT_HINT_HEADERS.map((h) =>
  h
    .replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())
    .replace('Sec-Ch-Ua', 'Sec-CH-UA'),
).join(', ');
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Maps any error of a hit route to the HttpError answered (and counts, logs, sets headers). */
type ErrorMapper = (err: unknown, req: Request, res: Response) => HttpError;

/**
 * The collector's express app. Hit routes read their bodies themselves (no express.json: LIMITS.md §3),
 * answer JSON `{accepted, rejected}` / `{error, message, details}` (the pixel always a GIF), and never
 * show a stack trace.
 */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  app.set('trust proxy', deps.trustProxy);
  app.use(requestStart(deps));
  const toHttpError = errorMapper(deps);
  const extraRoutes = deps.extraHitRoutes ?? [];
  const hitPaths = [config.trackPath, config.batchPath, config.pixelPath, ...extraRoutes.map((r) => r.path)];
  app.options(hitPaths, preflight);
  const hitRoute = hitRouteOf(toHttpError);
  app.post(config.trackPath, hitRoute('track', deps.intake.track));
  app.post(config.batchPath, hitRoute('batch', deps.intake.batch));
  for (const r of extraRoutes) app.post(r.path, hitRoute(r.route, r.handler, r.answer));
  app.get(config.batchPath, siteSettingsRoute(deps, toHttpError));
  app.get(config.pixelPath, pixelRoute(deps, toHttpError));
  const scriptRoute = scriptRouteOf(deps);
  app.get(config.scriptPath, scriptRoute('core'));
  app.get(config.extrasScriptPath, scriptRoute('extras'));
  app.get(config.vitalsScriptPath, scriptRoute('vitals'));
  const scriptPaths = [config.scriptPath, config.extrasScriptPath, config.vitalsScriptPath];
  app.all([...hitPaths, ...scriptPaths], methodNotAllowed(config));
  app.use((req, res) => {
    sendJson(res, 404, { error: 'not_found', message: 'no such endpoint', details: null });
  });
  // Errors raised by express itself (e.g. a malformed URL): a clear 4xx, never a stack.
  app.use((err: unknown, req: Request, res: Response, _next: unknown) => {
    const e = toHttpError(err, req, res);
    if (!res.headersSent)
      sendJson(res, e.status, { error: e.code, message: e.message, details: e.details ?? null });
  });
  return app;
}

/** Every request: public probes, request id, the HTTP metrics, security headers. */
function requestStart(deps: AppDeps) {
  const { metrics, ops } = deps;
  const security = helmet({
    // The script, the pixel and the hit answers are loaded by other sites' pages.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
  return (req: Request, res: Response, next: (err?: unknown) => void) => {
    // Shutting down: a request that arrives on a kept-alive connection is still served (its hits join
    // the last micro-batch), but the connection closes after it, so busy clients move on at once
    // instead of holding the server open until the shutdown deadline cuts them off mid-request.
    if (ops.accepting?.() === false) res.setHeader('connection', 'close');
    // Public port: ok / not ok only; metrics and readiness detail are on the internal ops port.
    if (handlePublicProbes(ops, req, res)) return;
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    const started = performance.now();
    res.on('finish', () => {
      const route = (res.locals.route as string | undefined) ?? 'other';
      const labels = { route, method: req.method, status: String(res.statusCode) };
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
    });
    security(req, res, next);
  };
}

function preflight(req: Request, res: Response): void {
  res.locals.route = 'preflight';
  res.writeHead(204, {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, GET, OPTIONS',
    'access-control-allow-headers': 'Content-Type, X-Request-Id, Authorization, X-Umami-Cache',
    'access-control-max-age': '86400',
    'accept-ch': ACCEPT_CH,
  });
  res.end();
}

function hitRouteOf(toHttpError: ErrorMapper) {
  return (route: string, handler: (req: Request) => Promise<unknown>, answer?: ExtraHitRoute['answer']) =>
    async (req: Request, res: Response) => {
      res.locals.route = route;
      try {
        checkContentType(req);
        const out = await handler(req);
        const a = answer ? answer(out) : { status: 202, body: out };
        if (a.status === 204) {
          res.writeHead(204, { 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
          res.end();
        } else sendJson(res, a.status, a.body);
      } catch (err) {
        const e = toHttpError(err, req, res);
        sendJson(res, e.status, { error: e.code, message: e.message, details: e.details ?? null });
      }
    };
}

/**
 * The tracker's first request: the site's privacy switches, cached by the browser for
 * COLLECTOR_SITE_SETTINGS_MAX_AGE_S (the bound on how soon a changed setting reaches a tagged page).
 */
function siteSettingsRoute(deps: AppDeps, toHttpError: ErrorMapper) {
  return async (req: Request, res: Response) => {
    res.locals.route = 'site_settings';
    try {
      const text = JSON.stringify(await deps.siteSettings(req));
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': `public, max-age=${deps.config.siteSettingsMaxAgeS}`,
        'access-control-allow-origin': '*',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      // An unknown or paused site is not a refused hit: answered without counting it as one.
      const e = err instanceof HttpError ? err : toHttpError(err, req, res);
      sendJson(res, e.status, { error: e.code, message: e.message, details: e.details ?? null });
    }
  };
}

function pixelRoute(deps: AppDeps, toHttpError: ErrorMapper) {
  return async (req: Request, res: Response) => {
    res.locals.route = 'pixel';
    try {
      await deps.intake.pixel(req);
    } catch (err) {
      // The GIF is sent whatever happened: an <img> never shows an error.
      toHttpError(err, req, res);
    }
    res.writeHead(200, {
      'content-type': 'image/gif',
      'content-length': PIXEL.length,
      'cache-control': 'no-store, max-age=0',
      'access-control-allow-origin': '*',
      'accept-ch': ACCEPT_CH,
    });
    res.end(PIXEL);
  };
}

function scriptRouteOf({ assets, logger }: AppDeps) {
  return (which: TrackerFile) => async (req: Request, res: Response) => {
    res.locals.route = which === 'core' ? 'script' : `script_${which}`;
    const asset = await assets.get(which).catch((err: Error) => {
      logger.error({ err }, 'reading the tracker build failed');
      return null;
    });
    if (!asset) {
      sendJson(res, 404, {
        error: 'tracker_not_built',
        message:
          'no tracker script here: run the collector through `beacon serve` (it serves the built packages/tracker) or set COLLECTOR_TRACKER_DIR to a directory holding the built files',
        details: null,
      });
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/javascript; charset=utf-8',
      // Short max-age so a new release reaches sites within the hour; the ETag makes revalidation cheap.
      'cache-control': 'public, max-age=3600, stale-while-revalidate=86400',
      etag: asset.etag,
      vary: 'Accept-Encoding',
      'access-control-allow-origin': '*',
      'accept-ch': ACCEPT_CH,
    };
    if (
      req.headers['if-none-match']?.split(/\s*,\s*/).some((t) => t === asset.etag || t === `W/${asset.etag}`)
    ) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    const body = gzip ? asset.gzip : asset.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

function methodNotAllowed(config: AppDeps['config']) {
  return (req: Request, res: Response) => {
    res.locals.route = 'method_not_allowed';
    res.setHeader(
      'allow',
      req.path === config.pixelPath || req.path.endsWith('.js')
        ? 'GET, HEAD'
        : req.path === config.batchPath
          ? 'GET, POST, OPTIONS'
          : 'POST, OPTIONS',
    );
    sendJson(res, 405, {
      error: 'method_not_allowed',
      message: `${req.method} is not allowed on ${req.path}`,
      details: null,
    });
  };
}

/** Maps any error to the HttpError answered, counts it, logs it, sets Retry-After / Connection. */
function errorMapper({ config, metrics, logger }: AppDeps): ErrorMapper {
  return (err, req, res) => {
    const requestId = res.locals.requestId as string | undefined;
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (
      typeof (err as { status?: unknown })?.status === 'number' &&
      (err as { status: number }).status < 500
    ) {
      const status = (err as { status: number }).status;
      e = new HttpError(status, 'bad_request', (err as Error).message?.slice(0, 200) || 'bad request');
    } else {
      logger.error({ err, requestId, path: req.path }, 'unexpected error in a hit route');
      e = new HttpError(500, 'internal_error', `unexpected error; quote request id ${requestId ?? '-'}`);
    }
    if (e instanceof UnavailableError) {
      metrics.unavailable.inc({ reason: e.reason });
      res.setHeader('retry-after', String(config.retryAfterS));
      logger.debug({ requestId, reason: e.reason, message: e.message, err: e.cause }, 'answered 503');
    } else if (e.status < 500) {
      const retryAfterS = (e.details as { retry_after_s?: unknown } | undefined)?.retry_after_s;
      if (e.status === 429 && typeof retryAfterS === 'number')
        res.setHeader('retry-after', String(retryAfterS));
      if (e.code !== 'invalid_hit' && e.code !== 'invalid_hits') {
        metrics.rejected.inc({ reason: e.code });
        metrics.hits.inc({ outcome: 'rejected' });
      }
      logger.debug({ requestId, error: e.code, message: e.message }, 'refused a request');
    }
    // A body we did not read entirely: do not keep the connection for the next request.
    if (!req.complete) res.setHeader('connection', 'close');
    return e;
  };
}

function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'access-control-allow-origin': '*',
  });
  res.end(text);
}
