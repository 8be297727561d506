import type { Pool } from '@beacon/db';

/**
 * Test data the rollup tests share: an agency with its site, and a regular stream of human events
 * (real rows in a throwaway database; every number is derived from the parameters).
 */

/** An agency (`config`: e.g. its retention) with one site per script id (`siteConfig`: e.g. its timezone). */
export async function agencyWithSites(
  pool: Pool,
  agencyId: string,
  sites: { scriptId: string; config?: Record<string, unknown> }[],
  config: Record<string, unknown> = {},
): Promise<void> {
  await pool.query(`INSERT INTO agencies (id, name, api_key, config) VALUES ($1, 'agency', 'x', $2)`, [
    agencyId,
    JSON.stringify(config),
  ]);
  for (const s of sites)
    await pool.query(
      `INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES ($1, $2::text, $2::text || '.example', $2::text, $3)`,
      [agencyId, s.scriptId, JSON.stringify(s.config ?? {})],
    );
}

export interface EventStream {
  site: string;
  /** First event; then one every `minutes`. */
  from: string;
  minutes: number;
  count: number;
  /** Events i share visitor `c<i % visitors>`, session `s<i / perSession>` and page `/p<i % pages>`. */
  visitors: number;
  perSession: number;
  pages: number;
}

/** Human events: every fourth a click, the others page views. */
export async function insertEvents(pool: Pool, e: EventStream): Promise<void> {
  await pool.query(
    `
    INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, visitor_type)
    SELECT gen_random_uuid(), $1, CASE WHEN i % 4 = 3 THEN 'click' ELSE 'page_view' END,
           $2::timestamptz + i * $3::int * interval '1 minute', 'c' || (i % $4::int), 's' || (i / $5::int),
           '/p' || (i % $6::int), 'human'
    FROM generate_series(0, $7::int - 1) i`,
    [e.site, e.from, e.minutes, e.visitors, e.perSession, e.pages, e.count],
  );
}
