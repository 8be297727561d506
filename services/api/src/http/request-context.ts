import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@beacon/observability';
import type { ApiMetrics } from '@beacon/observability';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id (the caller's X-Request-Id when sane, else a UUID; echoed back), one JSON log line per
 * request and the HTTP duration histogram labelled by route template (never the raw URL: bounded
 * label values). The ops endpoints are not logged at info (scrapes every few seconds); the others at
 * API_REQUEST_LOG_LEVEL.
 */
export function requestContext(
  logger: Logger,
  metrics: ApiMetrics,
  level: 'info' | 'debug' = 'info',
): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      metrics.httpDuration.observe({ route, method: req.method, status: String(res.statusCode) }, seconds);
      const quiet = route === '/metrics' || route === '/healthz' || route === '/readyz';
      const line = {
        reqId: req.id,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
        agencyId: req.auth?.agencyId,
        via: req.auth?.via,
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else if (quiet) logger.debug(line, 'request');
      else logger[level](line, 'request');
    });
    next();
  };
}
