import { filterSql, type Filters } from './filters.js';
import { Params } from './params.js';
import { boundSql, type ResolvedRange } from './range.js';

/**
 * The fragments every stats statement is written around: one site (its script_id, always $1), a time
 * range and the filters. Statement modules interpolate only these fragments, which hold placeholders
 * and allow-listed column names, never request text.
 */
export interface Scope {
  p: Params;
  /** Placeholder of the site's script_id. */
  site: string;
  /** Placeholder of the IANA timezone. */
  tz: string;
  /** timestamptz expressions of the range, `hi` exclusive. */
  lo: string;
  hi: string;
  /** The previous period's start (its end is `lo`). */
  prevLo: string;
  /** Filter conditions (at least the bot rule), to follow an AND. */
  filters: string;
}

export function buildScope(siteScriptId: string, range: ResolvedRange, filters: Filters): Scope {
  const p = new Params();
  const site = p.add(siteScriptId);
  const tz = p.add(range.tz);
  const lo = boundSql(p, range.from, tz);
  const hi = boundSql(p, range.to, tz);
  const f = filterSql(p, filters);
  let prevLo: string | undefined;
  return {
    p,
    site,
    tz,
    lo,
    hi,
    // Added on first use only: PostgreSQL refuses a parameter that no statement text mentions.
    get prevLo() {
      return (prevLo ??= boundSql(p, range.prevFrom, tz));
    },
    filters: f,
  };
}

/** Scope for a rolling window ending now (realtime): no range bounds, filters only. */
export function buildNowScope(siteScriptId: string, filters: Filters): Pick<Scope, 'p' | 'site' | 'filters'> {
  const p = new Params();
  const site = p.add(siteScriptId);
  return { p, site, filters: filterSql(p, filters) };
}

/** The WHERE body for events `e` of the scope's site and range. */
export function inRange(s: Scope): string {
  return `e.site_id = ${s.site}
  AND e.server_timestamp >= ${s.lo} AND e.server_timestamp < ${s.hi}
  AND ${s.filters}`;
}
