import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/**
 * Serves the built web dashboard (packages/dashboard/dist) at `/`: its static files, and index.html for
 * any other GET that looks like a page (the single-page app routes itself). The API's own paths are
 * never answered here, so an unknown /v1 route still gets the JSON 404.
 */

/** Paths that belong to the API: the dashboard never answers them (not even with its fallback). */
export const API_PATHS = /^\/(?:v1(?:\/|$)|openapi\.json$|metrics$|healthz$|readyz$)/;

/**
 * The dashboard's own Content-Security-Policy: only its own scripts, styles and API. Helmet's default
 * would also add `upgrade-insecure-requests`, which breaks a dashboard served over plain HTTP on a LAN.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where the dashboard's build lands in the repository (relative to this module in src/ or dist/). */
export function defaultDashboardDir(): string {
  return fileURLToPath(new URL('../../../../packages/dashboard/dist/', import.meta.url));
}

/** The router: mount it after the API routes and before the 404 handler. */
export function dashboard(dir: string = defaultDashboardDir()): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  const files = express.static(dir, {
    index: false,
    redirect: false,
    setHeaders(res, file) {
      res.setHeader('content-security-policy', DASHBOARD_CSP);
      // Vite names assets by content hash: they never change under the same name.
      if (file.startsWith(path.join(dir, 'assets') + path.sep))
        res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    },
  });
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(req.path)) return next();
    res.locals.route = '/(dashboard)'; // one metrics label for every dashboard file
    files(req, res, (err?: unknown) => {
      if (err) return next(err);
      // A missing file (an extension) is a 404, not the app; a page path is the app, if it is built.
      if (path.extname(req.path) !== '' || !existsSync(index)) return next();
      // res.locals.csp: a page's own policy (a framable share link, share-page.ts).
      res.setHeader('content-security-policy', (res.locals.csp as string | undefined) ?? DASHBOARD_CSP);
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(index);
    });
  });
  return router;
}
