import type { Response } from 'express';
import type { Pool } from '@beacon/db';
import type { ApiDeps } from '../deps.js';
import type { StatsDeps } from '../queries/index.js';

/**
 * Where dashboard reads go: the read replica while it keeps up (DATABASE_READ_URL), else the primary,
 * decided per statement (docs/scaling.md "Reads from a replica").
 */
export function dashboardReads(d: ApiDeps): StatsDeps['pool'] {
  return { query: ((text: string, values?: unknown[]) => d.reads().query(text, values)) as Pool['query'] };
}

/**
 * What a stats query needs for one request: the pool, the query-duration metric, whether rollups may
 * answer (ROLLUPS_READ), and where the answer came from (days|rollup|events, docs/rollups.md) in the
 * X-Beacon-Source header.
 */
export function requestStatsDeps(
  d: ApiDeps,
  res: Pick<Response, 'setHeader'>,
  pool: StatsDeps['pool'] = dashboardReads(d),
): StatsDeps {
  return {
    pool,
    observe: (endpoint, seconds, source) => d.metrics.queryDuration.observe({ endpoint, source }, seconds),
    rollups: d.config.rollups.read,
    onSource: (source) => res.setHeader('X-Beacon-Source', source),
  };
}
