/**
 * Statements run against an Umami PostgreSQL database (`beacon import umami <postgres URL>`; tables
 * and columns as Umami's schema documents them: website_event, session, website). Read-only.
 */

/** Out: table_name, column_name of Umami's website_event and session tables in the current schema. */
export const columns = `
SELECT table_name::text, column_name::text FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name IN ('website_event', 'session')
ORDER BY table_name, ordinal_position`;

/** Out: website_id, events: the websites that have events (at most 20), biggest first. */
export const websites = `
SELECT website_id::text, count(*)::int AS events FROM website_event GROUP BY website_id ORDER BY 2 DESC LIMIT 20`;

/** $1 website id. Out: n, the website's events (for the progress bar). */
export const countEvents = `SELECT count(*)::bigint AS n FROM website_event WHERE website_id = $1::uuid`;

/** The session columns the row mapping reads, and the older names Umami used for some. */
export const SESSION_COLUMNS: Record<string, readonly string[]> = {
  browser: ['browser'],
  os: ['os'],
  device: ['device'],
  screen: ['screen'],
  language: ['language'],
  country: ['country'],
  region: ['region', 'subdivision1'],
  city: ['city'],
};

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * One page of a website's events joined with their session, as text (empty for NULL, created_at as
 * ISO 8601 UTC), in keyset order (created_at, event_id). `eventColumns` / `sessionColumns` (output
 * name -> column) come from `columns`, i.e. what this Umami version has. $1 website id, $2 created_at
 * and $3 event_id of the last row read (text; '-infinity' and the nil UUID to start), $4 rows.
 * Out: the columns, plus beacon_cursor_at and beacon_cursor_id (the keyset position, not mapped).
 */
export function eventsPage(eventColumns: readonly string[], sessionColumns: Record<string, string>): string {
  const ev = eventColumns.map((c) =>
    c === 'created_at'
      ? `to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at`
      : `COALESCE(e.${ident(c)}::text, '') AS ${ident(c)}`,
  );
  const se = Object.entries(sessionColumns).map(
    ([as, c]) => `COALESCE(s.${ident(c)}::text, '') AS ${ident(as)}`,
  );
  return `
SELECT ${[...ev, ...se].join(', ')}, e.created_at::text AS beacon_cursor_at, e.event_id::text AS beacon_cursor_id
FROM website_event e
LEFT JOIN session s ON s.session_id = e.session_id
WHERE e.website_id = $1::uuid AND e.created_at >= $2::timestamptz
  AND (e.created_at, e.event_id) > ($2::timestamptz, $3::uuid)
ORDER BY e.created_at, e.event_id
LIMIT $4`;
}
