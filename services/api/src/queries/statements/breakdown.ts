import { rollupReadSql } from '@beacon/db';
import { inRange, type Scope } from '../scope.js';

/**
 * Breakdowns: one row per value of a dimension. `column` and `only` come from DIMENSIONS in
 * ../dimensions.ts (allow-listed), `orderBy` from the allow-listed sort keys.
 * In: scope, limit, offset. Out: value, visitors, sessions, page_views, events.
 */
export const breakdown = (
  s: Scope,
  column: string,
  only: string | null,
  orderBy: string,
  limit: string,
  offset: string,
) => `
SELECT e.${column} AS value,
       count(DISTINCT e.client_id)::int AS visitors,
       count(DISTINCT e.session_id)::int AS sessions,
       count(*) FILTER (WHERE e.event_name = 'page_view')::int AS page_views,
       count(*) FILTER (WHERE ${rollupReadSql.countedEvent()})::int AS events
FROM events e
WHERE ${inRange(s)}
  ${only ? `AND ${only}` : ''}
GROUP BY e.${column}
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/**
 * Entry (first) or exit (last) page of each session: the page_path of its first/last page_view in
 * the range. In: scope, `direction` 'ASC' (entry) | 'DESC' (exit), limit, offset.
 * Out: value, visitors, sessions (sessions entering/leaving there), page_views = events = null.
 */
export const entryExit = (
  s: Scope,
  direction: 'ASC' | 'DESC',
  orderBy: string,
  limit: string,
  offset: string,
) => `
WITH ends AS (
  SELECT DISTINCT ON (e.session_id) e.session_id, e.client_id, e.page_path
  FROM events e
  WHERE ${inRange(s)}
    AND e.event_name = 'page_view' AND e.session_id IS NOT NULL
  ORDER BY e.session_id, e.server_timestamp ${direction}, e.id ${direction}
)
SELECT page_path AS value,
       count(DISTINCT client_id)::int AS visitors,
       count(*)::int AS sessions,
       NULL::int AS page_views,
       NULL::int AS events
FROM ends
GROUP BY page_path
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/**
 * Custom events by property: one row per (top-level key, value) of the matching custom events'
 * `properties` (a nested value as its JSON text), the most frequent first. With an `event_name` filter
 * it answers "which plans were selected". In: scope, limit, offset. Out: property, value, visitors, events.
 */
export const eventProperties = (s: Scope, limit: string, offset: string) => `
SELECT p.key AS property,
       p.value AS value,
       count(DISTINCT e.client_id)::int AS visitors,
       count(*)::int AS events
FROM events e
CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(e.properties) = 'object' THEN e.properties END) AS p(key, value)
WHERE ${inRange(s)}
  AND ${rollupReadSql.customEvent()}
GROUP BY p.key, p.value
ORDER BY events DESC, visitors DESC, property, value
LIMIT ${limit} OFFSET ${offset}`;
