/**
 * Which events count (docs/metrics.md): shared by the rollup writes (sql/rollups.ts) and every read
 * of the API, raw or rolled up, so that "events" means the same everywhere.
 */

/**
 * Events the tracker sends on its own to carry measurements or identities, not actions of the visitor:
 * `engagement` (time on page, scroll depth; docs/tracker.md) and `identify`. They are stored like any
 * event but are neither custom events nor counted in "events" (docs/metrics.md).
 */
export const INTERNAL_EVENTS = ['engagement', 'identify'] as const;

/** SQL condition: the event of alias `e` counts as an event (not internal). Constant text. */
export const countedEvent = (alias = 'e') =>
  `${alias}.event_name NOT IN (${INTERNAL_EVENTS.map((n) => `'${n}'`).join(', ')})`;

/** SQL condition: a custom event (neither a page view nor internal). Constant text. */
export const customEvent = (alias = 'e') => `${alias}.event_name <> 'page_view' AND ${countedEvent(alias)}`;
