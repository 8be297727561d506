import type pg from 'pg';
import * as sql from './sql/company-activity.js';
import type { Row } from './store.js';

/** Page paths kept per outbox row: enough for "visited a high-intent page", bounded for big batches. */
const MAX_PATHS = 50;

interface Activity {
  site: string;
  domain: string;
  events: number;
  paths: Set<string>;
  first: number;
  last: number;
}

/**
 * Groups the rows a batch transaction inserted by site and company (bots and rows without a company
 * left out) and writes them to the outbox with the same client, inside the transaction (the alert
 * dispatcher reads only what was committed). Out: outbox rows written.
 */
export async function recordCompanyActivity(
  client: pg.ClientBase,
  inserted: readonly Row[],
): Promise<number> {
  const groups = new Map<string, Activity>();
  for (const r of inserted) {
    const domain = r.company_domain;
    if (typeof domain !== 'string' || domain === '' || r.visitor_type === 'bot') continue;
    const site = String(r.site_id);
    const ts = new Date(r.server_timestamp as string).getTime();
    if (Number.isNaN(ts)) continue;
    const key = `${site}\u0000${domain}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { site, domain, events: 0, paths: new Set(), first: ts, last: ts }));
    g.events++;
    if (r.event_name === 'page_view' && typeof r.page_path === 'string' && g.paths.size < MAX_PATHS)
      g.paths.add(r.page_path);
    if (ts < g.first) g.first = ts;
    if (ts > g.last) g.last = ts;
  }
  if (groups.size === 0) return 0;
  const all = [...groups.values()];
  await client.query(sql.insertActivity, [
    all.map((g) => g.site),
    all.map((g) => g.domain),
    all.map((g) => g.events),
    JSON.stringify(all.map((g) => [...g.paths])),
    all.map((g) => new Date(g.first).toISOString()),
    all.map((g) => new Date(g.last).toISOString()),
  ]);
  return all.length;
}
