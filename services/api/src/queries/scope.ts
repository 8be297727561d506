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
  // Added on first use only (like prevLo): with instant bounds a statement may never mention the
  // timezone, and PostgreSQL refuses a parameter whose type no statement text determines (42P18).
  let tzRef: string | undefined;
  const tzOf = () => (tzRef ??= p.add(range.tz));
  const lo = 'local' in range.from ? boundSql(p, range.from, tzOf()) : boundSql(p, range.from, '');
  const hi = 'local' in range.to ? boundSql(p, range.to, tzOf()) : boundSql(p, range.to, '');
  const f = filterSql(p, filters);
  let prevLo: string | undefined;
  return {
    p,
    site,
    get tz() {
      return tzOf();
    },
    lo,
    hi,
    // Added on first use only: PostgreSQL refuses a parameter that no statement text mentions.
    get prevLo() {
      return (prevLo ??= boundSql(p, range.prevFrom, 'local' in range.prevFrom ? tzOf() : ''));
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
