import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { limitParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as q from '../queries/index.js';
import { webVitals } from '../queries/vitals.js';
import { requestStatsDeps } from './stats-deps.js';

const site = '/v1/sites/:siteId';

export const vitalsSchema = z
  .object({
    by: z.enum(['page', 'device']).nullable(),
    items: z.array(
      z.object({
        value: z.string().nullable().describe('the page or device type (null: all, or unknown)'),
        metric: z.enum(['lcp', 'inp', 'cls', 'fcp', 'ttfb']),
        samples: z.number().int(),
        p75: z.number().describe('ms (cls: score)'),
        good: z.number().int(),
        needs_improvement: z.number().int(),
        poor: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'WebVitals' });

/** Web vitals from the tracker's vitals file (docs/conversions.md): every role reads. */
export function registerVitalsRoutes(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `get ${site}/stats/web-vitals`,
      summary: 'Web vitals: p75 and good / needs-improvement / poor per metric, overall or by page or device',
      tags: ['stats'],
      share: 'read',
      query: q.statsQuery.extend({
        by: z.enum(['page', 'device']).optional(),
        limit: limitParam,
      }),
      responses: { 200: ['Per metric (and value)', vitalsSchema] },
    },
    ({ site, query, res }) => webVitals(requestStatsDeps(d, res), site, query),
  );
}
