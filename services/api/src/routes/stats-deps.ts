import type { Response } from 'express';
import type { ApiDeps } from '../deps.js';
import type { StatsDeps } from '../queries/index.js';

/**
 * What a stats query needs for one request: the pool, the query-duration metric, whether rollups may
 * answer (ROLLUPS_READ), and where the answer came from (days|rollup|events, docs/rollups.md) in the
 * X-Beacon-Source header.
 */
export function requestStatsDeps(
  d: ApiDeps,
  res: Pick<Response, 'setHeader'>,
  pool: StatsDeps['pool'] = d.pool,
): StatsDeps {
  return {
    pool,
    observe: (endpoint, seconds, source) => d.metrics.queryDuration.observe({ endpoint, source }, seconds),
    rollups: d.config.rollups.read,
    onSource: (source) => res.setHeader('X-Beacon-Source', source),
  };
}
