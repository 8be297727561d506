import { columnsOf } from '@beacon/db';
import type { Row } from './store.js';

/**
 * Per (session_id, site_id), the aggregates of the rows one COPY inserted, exactly as
 * sql/batch.ts#upsertSessionsFromRows computes them in SQL: started_at/ended_at the earliest/latest
 * server_timestamp, page_views and events_count, engagement_time the sum of time_on_page, entry/exit
 * page the first/last page_view URL and client_id, utm_source, country, device_type from the earliest
 * event that has them (ordered by server_timestamp, then id). Returns the parameter arrays of
 * upsertSessions, or null when a timestamp is not ISO 8601 (the caller then aggregates in SQL).
 */
interface Agg {
  session_id: string;
  site_id: string;
  startMs: number;
  startId: string;
  started_at: unknown;
  endMs: number;
  endId: string;
  ended_at: unknown;
  page_views: number;
  events_count: number;
  engagement: number;
  entry: [number, string, string] | null;
  exit: [number, string, string] | null;
  client_id: [number, string, string] | null;
  utm_source: [number, string, string] | null;
  country: [number, string, string] | null;
  device_type: [number, string, string] | null;
}

const before = (ms: number, id: string, m2: number, id2: string) => ms < m2 || (ms === m2 && id < id2);
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function first(
  cur: [number, string, string] | null,
  ms: number,
  id: string,
  v: string | null,
): [number, string, string] | null {
  if (v === null) return cur;
  return cur === null || before(ms, id, cur[0], cur[1]) ? [ms, id, v] : cur;
}

export function aggregateSessions(rows: readonly Row[]): unknown[][] | null {
  const groups = new Map<string, Agg>();
  for (const r of rows) {
    const sessionId = r.session_id;
    if (typeof sessionId !== 'string' || sessionId === '') continue;
    const ms = typeof r.server_timestamp === 'string' ? Date.parse(r.server_timestamp) : NaN;
    if (!Number.isFinite(ms) || !/^\d{4}-\d\d-\d\dT/.test(r.server_timestamp as string)) return null;
    const id = String(r.id).toLowerCase();
    const siteId = String(r.site_id);
    const key = `${siteId}\u0000${sessionId}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        session_id: sessionId,
        site_id: siteId,
        startMs: ms,
        startId: id,
        started_at: r.server_timestamp,
        endMs: ms,
        endId: id,
        ended_at: r.server_timestamp,
        page_views: 0,
        events_count: 0,
        engagement: 0,
        entry: null,
        exit: null,
        client_id: null,
        utm_source: null,
        country: null,
        device_type: null,
      };
      groups.set(key, g);
    }
    if (before(ms, id, g.startMs, g.startId))
      [g.startMs, g.startId, g.started_at] = [ms, id, r.server_timestamp];
    if (before(g.endMs, g.endId, ms, id)) [g.endMs, g.endId, g.ended_at] = [ms, id, r.server_timestamp];
    g.events_count++;
    const top = Number(r.time_on_page);
    if (r.time_on_page !== null && r.time_on_page !== undefined && Number.isFinite(top) && top > 0)
      g.engagement += top;
    if (r.event_name === 'page_view') {
      g.page_views++;
      const url = text(r.page_url);
      if (url !== null) {
        g.entry = first(g.entry, ms, id, url);
        if (g.exit === null || before(g.exit[0], g.exit[1], ms, id)) g.exit = [ms, id, url];
      }
    }
    g.client_id = first(g.client_id, ms, id, text(r.client_id));
    g.utm_source = first(g.utm_source, ms, id, text(r.utm_source));
    g.country = first(g.country, ms, id, text(r.country));
    g.device_type = first(g.device_type, ms, id, text(r.device_type));
  }
  const all = [...groups.values()];
  return [
    ...columnsOf(all, ['session_id', 'site_id', 'started_at', 'ended_at', 'page_views', 'events_count']),
    all.map((g) => Math.min(g.engagement, 2147483647)),
    ...(['entry', 'exit', 'client_id', 'utm_source', 'country', 'device_type'] as const).map((k) =>
      all.map((g) => g[k]?.[2] ?? null),
    ),
  ];
}
