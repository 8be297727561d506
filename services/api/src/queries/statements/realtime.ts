import { countedEvent } from '@beacon/db';
import type { Scope } from '../scope.js';

/**
 * Realtime: distinct visitors with an event in the last 5 and 30 minutes (server clock), page views
 * in the last 30 minutes. In: site placeholder and filters. Out: one row.
 */
export const realtime = (s: Pick<Scope, 'site' | 'filters'>) => `
SELECT count(DISTINCT e.client_id) FILTER (WHERE e.server_timestamp >= now() - interval '5 minutes')::int AS visitors_5m,
       count(DISTINCT e.client_id)::int AS visitors_30m,
       count(*) FILTER (WHERE e.event_name = 'page_view')::int AS page_views_30m,
       count(*) FILTER (WHERE ${countedEvent()})::int AS events_30m
FROM events e
WHERE e.site_id = ${s.site}
  AND e.server_timestamp >= now() - interval '30 minutes'
  AND ${s.filters}`;
