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
  router.get('/share/:token', async (req, res, next) => {
    try {
      const token = req.params.token;
      if (!looksLikeLinkToken(token)) return next();
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
