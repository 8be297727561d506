import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/**
 * Serves the built web dashboard at `/`: its static files, and index.html for any other GET that looks
 * like a page (the single-page app routes itself). The API's own paths are never answered here, so an
 * unknown /v1 route still gets the JSON 404. The directory is handed in (`beacon serve` passes the
 * @beacon/dashboard build; ApiOverrides.dashboardDir): the API does not depend on the dashboard.
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

/** Paths that are the app's own pages whatever they hold (a company domain has a dot: acme.example). */
const APP_PAGES = /^\/(?:sites|settings)(?:\/|$)/;

/**
 * Whether a GET that matched no file is a page of the app (answered with index.html) or a missing file
 * (a 404). A path without an extension is a page; so is any path under the app's own prefixes, and any
 * path a browser navigates to (it asks for text/html), so a shared link like
 * /sites/1/companies/acme.example survives a reload. A script or image that is missing stays a 404
 * (it does not ask for HTML), and so does anything under /assets/.
 */
export function isAppPage(pathname: string, accept: string | undefined): boolean {
  if (pathname.startsWith('/assets/')) return false;
  if (path.extname(pathname) === '' || APP_PAGES.test(pathname)) return true;
  return /\btext\/html\b/.test(accept ?? '');
}

/** The router: mount it after the API routes and before the 404 handler. Empty `dir`: no dashboard. */
export function dashboard(dir: string): Router {
  const router = Router();
  if (!dir) return router;
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
      if (!isAppPage(req.path, req.get('accept')) || !existsSync(index)) return next();
      // res.locals.csp: a page's own policy (a framable share link, share-page.ts).
      res.setHeader('content-security-policy', (res.locals.csp as string | undefined) ?? DASHBOARD_CSP);
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(index);
    });
  });
  return router;
}
