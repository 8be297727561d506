import { filterSql, type Filters } from './filters.js';
import { goalEventSql, goalNamesFrom, type GoalDef } from './goals.js';
import { Params } from './params.js';
import { boundSql, type ResolvedRange } from './range.js';

/**
 * The fragments every stats statement is written around: one site (its script_id, always $1), a time
 * range and the filters. Statement modules interpolate only these fragments, which hold placeholders
 * and allow-listed column names, never request text. The fragments name fixed table aliases: events
 * `e`, rollup_sessions `rs` (rollup_names and rollup_days aliases are the statement's own).
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
  /** Filter conditions on events `e` (at least the bot rule), to follow an AND. */
  filters: string;
  /**
   * The same filters on rollup_sessions `rs`, to follow an AND: its rows carry the session-level
   * columns under the events' names; goal filters match visitor_key instead of client_id.
   */
  rollupFilters: string;
  /**
   * The goal filters alone ("visitors who converted on X"), on a rollup_names alias: for statements
   * that read rollup_names, which take no other filter. 'true' when there is none.
   */
  namesFilters(alias: string): string;
}

export interface ScopeOptions {
  /** Goal filters: only visitors with a conversion of each of these goals in the range. */
  goals?: readonly GoalDef[];
  /** The statement also reads the previous period (overview): a conversion counts within its own period. */
  withPrevious?: boolean;
}

/**
 * "Visitors who converted on g" as a condition on `alias`: its visitor had a conversion of g in the
 * same period (range, or previous period for overview rows). Raw events compare client_id with the
 * converting events' client_id, rollups visitor_key with rollup_names' visitor_key: the same visitors.
 * Bots never convert (they are not rolled up either).
 */
function goalFilterSql(
  p: Params,
  g: GoalDef,
  alias: string,
  b: { site: string; lo: () => string; hi: string; prevLo: () => string },
  rollup: boolean,
  withPrevious: boolean,
): string {
  const from = withPrevious ? b.prevLo() : b.lo();
  if (rollup) {
    const names = goalNamesFrom(p, g, 'g', b.site);
    const [key, gkey] = withPrevious
      ? [`(${alias}.visitor_key, ${alias}.hour >= ${b.lo()})`, `g.visitor_key, g.hour >= ${b.lo()}`]
      : [`${alias}.visitor_key`, 'g.visitor_key'];
    return `${key} IN (SELECT ${gkey} FROM ${names}
    WHERE g.site_id = ${b.site} AND g.hour >= ${from} AND g.hour < ${b.hi} AND g.visitor_key <> 0)`;
  }
  const cond = goalEventSql(p, g, 'g');
  const [key, gkey] = withPrevious
    ? [
        `(${alias}.client_id, ${alias}.server_timestamp >= ${b.lo()})`,
        `g.client_id, g.server_timestamp >= ${b.lo()}`,
      ]
    : [`${alias}.client_id`, 'g.client_id'];
  return `${key} IN (SELECT ${gkey} FROM events g
    WHERE g.site_id = ${b.site} AND g.server_timestamp >= ${from} AND g.server_timestamp < ${b.hi}
      AND g.visitor_type IS DISTINCT FROM 'bot' AND ${cond})`;
}

export function buildScope(
  siteScriptId: string,
  range: ResolvedRange,
  filters: Filters,
  opts: ScopeOptions = {},
): Scope {
  const p = new Params();
  const site = p.add(siteScriptId);
  // Added on first use only (like prevLo): with instant bounds a statement may never mention the
  // timezone, and PostgreSQL refuses a parameter whose type no statement text determines (42P18).
  let tzRef: string | undefined;
  const tzOf = () => (tzRef ??= p.add(range.tz));
  const lo = 'local' in range.from ? boundSql(p, range.from, tzOf()) : boundSql(p, range.from, '');
  const hi = 'local' in range.to ? boundSql(p, range.to, tzOf()) : boundSql(p, range.to, '');
  let prevLo: string | undefined;
  // Added on first use only: PostgreSQL refuses a parameter that no statement text mentions.
  const prevLoOf = () => (prevLo ??= boundSql(p, range.prevFrom, 'local' in range.prevFrom ? tzOf() : ''));
  const bounds = { site, lo: () => lo, hi, prevLo: prevLoOf };
  const goals = opts.goals ?? [];
  const goalParts = (alias: string, rollup: boolean) =>
    goals.map((g) => goalFilterSql(p, g, alias, bounds, rollup, opts.withPrevious ?? false));
  const filtersOn = filterSql(p, filters);
  // Goal filters are added on first use only (their placeholders must all be mentioned by the text).
  let f: string | undefined;
  let rf: string | undefined;
  return {
    p,
    site,
    get tz() {
      return tzOf();
    },
    lo,
    hi,
    get prevLo() {
      return prevLoOf();
    },
    get filters() {
      return (f ??= [filtersOn('e'), ...goalParts('e', false)].join('\n  AND '));
    },
    get rollupFilters() {
      return (rf ??= [filtersOn('rs'), ...goalParts('rs', true)].join('\n  AND '));
    },
    namesFilters: (alias) => (goals.length ? goalParts(alias, true).join('\n  AND ') : 'true'),
  };
}

/** Scope for a rolling window ending now (realtime, 30 minutes): no range bounds, filters only. */
export function buildNowScope(
  siteScriptId: string,
  filters: Filters,
  goals: readonly GoalDef[] = [],
): Pick<Scope, 'p' | 'site' | 'filters'> {
  const p = new Params();
  const site = p.add(siteScriptId);
  const window = `now() - interval '30 minutes'`;
  const bounds = { site, lo: () => window, hi: "now() + interval '1 day'", prevLo: () => window };
  const parts = [
    filterSql(p, filters)('e'),
    ...goals.map((g) => goalFilterSql(p, g, 'e', bounds, false, false)),
  ];
  return { p, site, filters: parts.join('\n  AND ') };
}

/** The WHERE body for events `e` of the scope's site and range. */
export function inRange(s: Scope): string {
  return `e.site_id = ${s.site}
  AND e.server_timestamp >= ${s.lo} AND e.server_timestamp < ${s.hi}
  AND ${s.filters}`;
}

/** The hours [lo, hi) of the scope's site on rollup alias `alias` (rollup_sessions, rollup_names). */
export function hoursOf(s: Pick<Scope, 'site' | 'lo' | 'hi'>, alias: string, lo = s.lo): string {
  return `${alias}.site_id = ${s.site} AND ${alias}.hour >= ${lo} AND ${alias}.hour < ${s.hi}`;
}

/** The WHERE body for rollup_sessions `rs` of the scope's site and hours (from `lo`), with the filters. */
export function inHours(s: Scope, lo = s.lo): string {
  return `${hoursOf(s, 'rs', lo)}
  AND ${s.rollupFilters}`;
}
