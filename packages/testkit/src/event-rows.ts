import { randomUUID } from 'node:crypto';

/**
 * Events that the tests' data sets write straight into the events table (past the pipeline): the
 * columns they fill, one new event's identity and page, and the insert.
 */

/** The columns of events the data sets fill, typed as the table has them (NULL where it allows). */
export interface EventRow {
  id: string;
  site_id: string;
  event_name: string;
  server_timestamp: string;
  client_id: string | null;
  session_id: string | null;
  page_path: string | null;
  page_url: string | null;
  page_title?: string | null;
  referrer_domain: string | null;
  channel: string | null;
  utm_source: string | null;
  utm_medium?: string | null;
  utm_campaign: string | null;
  country: string | null;
  region?: string | null;
  city?: string | null;
  device_type: string | null;
  browser?: string | null;
  os?: string | null;
  company_name: string | null;
  company_domain?: string | null;
  company_industry?: string | null;
  visitor_type: string | null;
}

/** A new event `name` at `ms` on the page `path` of `origin` (no page when path is null): a fresh id. */
export function newEvent(name: string, ms: number, origin: string, path: string | null) {
  return {
    id: randomUUID(),
    event_name: name,
    server_timestamp: new Date(ms).toISOString(),
    page_path: path,
    page_url: path === null ? null : `${origin}${path}`,
  };
}

/** Inserts rows into events, 2,000 a statement; a column a row does not give is NULL. */
export async function insertEventRows(
  pool: { query(text: string, values?: unknown[]): Promise<unknown> },
  rows: readonly object[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 2_000) {
    await pool.query('INSERT INTO events SELECT * FROM json_populate_recordset(NULL::events, $1::json)', [
      JSON.stringify(rows.slice(i, i + 2_000)),
    ]);
  }
}
