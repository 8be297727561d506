import { Router } from 'express';
import type { Pool } from '@beacon/db';
import { hashLinkToken } from '../auth/account-links.js';
import { looksLikeLinkToken } from '../routes/share-links.js';
import * as sql from '../sql/share-links.js';
import { DASHBOARD_CSP } from './dashboard.js';

/**
 * The page of a shared dashboard (`/share/<link token>`) is the dashboard app like any page, with one
 * difference: when its link allows framing, its Content-Security-Policy names the link's origins in
 * frame-ancestors (and X-Frame-Options, which cannot list origins, is dropped). Every other page keeps
 * frame-ancestors 'none'. Mount before the dashboard router.
 */
export function sharePageHeaders(pool: Pool): Router {
  const router = Router();
  // A middleware rather than a route: the page is the dashboard's (the API's routes are all in the
  // route table and its document).
  router.use(async (req, res, next) => {
    try {
      const token = req.method === 'GET' ? /^\/share\/([^/]+)$/.exec(req.path)?.[1] : undefined;
      if (!token || !looksLikeLinkToken(token)) return next();
      const { rows } = await pool.query<{ frame_ancestors: string[] }>(sql.findLiveLinkByToken, [
        hashLinkToken(token),
      ]);
      const origins = rows[0]?.frame_ancestors ?? [];
      if (origins.length > 0) {
        res.locals.csp = DASHBOARD_CSP.replace(
          "frame-ancestors 'none'",
          `frame-ancestors ${origins.join(' ')}`,
        );
        res.removeHeader('x-frame-options');
      }
      next();
    } catch (err) {
      next(err);
    }
  });
  return router;
}
