import { randomUUID } from 'node:crypto';
import type { Pool } from '@beacon/db';

/**
 * Stores page views of a company on a site as the writer does: the events rows and, in the same
 * transaction, the company activity outbox row (services/writer/src/company-activity.ts writes the
 * same; the writer's own test checks that it does).
 */
export async function storeVisit(
  pool: Pool,
  o: {
    site: string;
    domain: string;
    name?: string;
    industry?: string | null;
    country?: string;
    session?: string;
    paths: string[];
    at: Date;
    secondsEach?: number;
    events?: { name: string; properties?: Record<string, unknown> }[];
  },
): Promise<void> {
  const session = o.session ?? randomUUID();
  const rows = [
    ...o.paths.map((p, i) => ({
      name: 'page_view',
      path: p,
      at: new Date(o.at.getTime() + i * 1000),
      props: null,
    })),
    ...(o.events ?? []).map((e, i) => ({
      name: e.name,
      path: null,
      at: new Date(o.at.getTime() + (o.paths.length + i) * 1000),
      props: e.properties ?? null,
    })),
  ];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const r of rows)
      await client.query(
        `INSERT INTO events (id, site_id, event_name, server_timestamp, session_id, client_id, page_path, page_url,
           company_domain, company_name, company_industry, country, time_on_page, properties, visitor_type)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'human')`,
        [
          randomUUID(),
          o.site,
          r.name,
          r.at,
          session,
          `c-${session}`,
          r.path,
          r.path ? `https://x.example${r.path}` : null,
          o.domain,
          o.name ?? o.domain,
          o.industry ?? null,
          o.country ?? 'DE',
          r.name === 'page_view' ? (o.secondsEach ?? 30) : null,
          r.props ? JSON.stringify(r.props) : null,
        ],
      );
    await client.query(
      `INSERT INTO company_activity_outbox (site_id, domain, events, page_paths, first_at, last_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [o.site, o.domain, rows.length, o.paths, rows[0]!.at, rows.at(-1)!.at],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
