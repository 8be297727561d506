import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { createExportMetrics, type ExportMetrics } from '../exports/metrics.js';
import { ExportSlots } from '../exports/slots.js';
import { streamChunks } from '../exports/stream.js';
import { TooManyRequestsError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as q from '../queries/index.js';
import { agencyDashboardUrl } from '../email/links.js';

/** PostgreSQL ends an export session this long after the API's own stall cut should have happened. */
const IDLE_IN_TRANSACTION_MARGIN_MS = 5_000;

/**
 * GET /v1/sites/:siteId/export/:what — CSV of a breakdown or of raw events, streamed from a cursor.
 * Every role reads (the site scope walls agencies); personal events columns need the admin role
 * (exports/personal-columns.ts). An export holds a pooled connection in a transaction while the client
 * downloads, so it is bounded: API_EXPORT_MAX_PER_AGENCY / API_EXPORT_MAX_CONCURRENT running at once
 * (429 + Retry-After beyond), API_EXPORT_STALL_TIMEOUT_MS for a client that stops reading,
 * API_EXPORT_MAX_DURATION_S in all, and idle_in_transaction_session_timeout as PostgreSQL's backstop.
 */
export function registerExportRoutes(t: RouteTable, d: ApiDeps): void {
  const cfg = d.config.apiExports;
  const { slots, metrics } = exportRuntime(d);

  t.define(
    {
      route: 'get /v1/sites/:siteId/export/:what',
      // A shared dashboard may download CSV only when its link allows it.
      share: 'csv',
      summary: 'CSV export (streamed) of a breakdown dimension, or `events` for raw events',
      description:
        'Numbers stay numbers; text that a spreadsheet could run as a formula (at its start or after a separator) is prefixed with an apostrophe. Raw events: personal columns (ip_address, user_agent, user_id, email_hash, phone_hash, lead_data, click ids) only for admins; other roles get them left out (named in X-Beacon-Omitted-Columns) and a 403 when they ask for one in `columns`. A download that stalls or runs past the export deadline is cut.',
      tags: ['stats'],
      params: z.object({ siteId: siteIdParam, what: q.exportParam }),
      query: q.exportQuery,
      responses: {
        200: { description: 'CSV, header line first', schema: z.string(), contentType: 'text/csv' },
        403: 'A personal column asked for without the admin role',
        429: 'Too many exports running for this agency (or on this API); see Retry-After',
      },
    },
    async ({ site, auth, params, query, res }) => {
      const what = params.what as q.DimensionName | 'events';
      // Saved goal and segment filters resolve to plain filters first (as on every stats route).
      const st = q.exportStatement(
        site,
        what,
        await q.resolveSaved(d.pool, site, query),
        auth.role,
        // Company links on the agency's dashboard hostname when it has one, as in its emails.
        await agencyDashboardUrl(d.pool, d.config.email.dashboardPublicUrl, site.agencyId),
      );
      const release = slots.tryAcquire(site.agencyId);
      if (!release) {
        metrics.ended.inc({ outcome: 'refused' });
        throw new TooManyRequestsError(
          cfg.retryAfterS,
          'too many CSV exports are running for your agency; try again later',
        );
      }
      const started = performance.now();
      try {
        const chunks = q.csvChunks(d.reads(), st, {
          idleInTransactionMs: cfg.stallTimeoutMs + IDLE_IN_TRANSACTION_MARGIN_MS,
        });
        // The first chunk (the header) comes after DECLARE: a bad range or timezone is still a JSON 4xx.
        let first: IteratorResult<string>;
        try {
          first = await chunks.next();
        } catch (err) {
          metrics.ended.inc({ outcome: 'failed' });
          throw q.inputErrorOf(err);
        }
        res.status(200);
        res.setHeader('content-type', 'text/csv; charset=utf-8');
        res.setHeader(
          'content-disposition',
          `attachment; filename="${st.filename.replace(/[^A-Za-z0-9_.-]/g, '_')}"`,
        );
        if (st.omitted.length) res.setHeader('x-beacon-omitted-columns', st.omitted.join(','));
        const { outcome, err } = await streamChunks(res, chunks, first, {
          maxDurationMs: cfg.maxDurationS * 1000,
          stallTimeoutMs: cfg.stallTimeoutMs,
        });
        metrics.ended.inc({ outcome });
        if (err) d.logger.error({ err, outcome }, 'CSV export failed mid-stream');
        else if (outcome === 'stalled' || outcome === 'deadline')
          d.logger.warn({ outcome, site: site.scriptId, what }, 'CSV export cut');
      } finally {
        release();
        d.metrics.queryDuration.observe(
          { endpoint: `export_${what}`, source: 'events' },
          (performance.now() - started) / 1000,
        );
      }
      return undefined;
    },
  );
}

/** One set of slots and metrics per deps (one pool): apps built twice on the same deps share them. */
const runtimes = new WeakMap<ApiDeps, { slots: ExportSlots; metrics: ExportMetrics }>();
function exportRuntime(d: ApiDeps) {
  let r = runtimes.get(d);
  if (!r) {
    const slots = new ExportSlots(d.config.apiExports.maxPerAgency, d.config.apiExports.maxConcurrent);
    r = { slots, metrics: createExportMetrics(d.registry, () => slots.running()) };
    runtimes.set(d, r);
  }
  return r;
}
