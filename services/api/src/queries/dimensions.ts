import { customEvent } from '@beacon/db';

/**
 * Breakdown dimensions: name in the URL → events column (allow-listed) and, for some, which events
 * count. entry_pages / exit_pages are computed per session (statements/breakdown.ts entryExit).
 */
export interface Dimension {
  column: string;
  /** Extra condition on `e` (constant SQL), e.g. only page views. */
  only: string | null;
  /** entry/exit pages: first/last page view per session. */
  perSession?: 'ASC' | 'DESC';
}

const col = (column: string, only: string | null = null): Dimension => ({ column, only });

export const DIMENSIONS = {
  pages: col('page_path', "e.event_name = 'page_view'"),
  entry_pages: { column: 'page_path', only: null, perSession: 'ASC' },
  exit_pages: { column: 'page_path', only: null, perSession: 'DESC' },
  referrers: col('referrer_domain'),
  referrer_classes: col('referrer_class'),
  channels: col('channel'),
  utm_sources: col('utm_source'),
  utm_mediums: col('utm_medium'),
  utm_campaigns: col('utm_campaign'),
  utm_contents: col('utm_content'),
  utm_terms: col('utm_term'),
  countries: col('country'),
  regions: col('region'),
  cities: col('city'),
  languages: col('language'),
  devices: col('device_type'),
  browsers: col('browser'),
  os: col('os'),
  companies: col('company_name', 'e.company_name IS NOT NULL'),
  industries: col('company_industry', 'e.company_industry IS NOT NULL'),
  visitor_types: col('visitor_type'),
  // Custom events: neither page views nor the tracker's internal events (engagement, identify).
  events: col('event_name', customEvent()),
} as const satisfies Record<string, Dimension>;

export type DimensionName = keyof typeof DIMENSIONS;

/**
 * How the hourly rollups answer a dimension: a rollup_sessions column (`only`: a condition on `rs`),
 * or rollup_names of a kind (1 pages, 2 custom events). Entry and exit pages are read per session
 * (statements/breakdown.ts entryExitRollup); the other dimensions are not rolled up.
 */
export type RollupBreakdown = { column: string; only: string | null } | { kind: 1 | 2 };

const rolled = (column: string, only: string | null = null): RollupBreakdown => ({ column, only });

export const ROLLUP_BREAKDOWNS: Partial<Record<DimensionName, RollupBreakdown>> = {
  pages: { kind: 1 },
  events: { kind: 2 },
  referrers: rolled('referrer_domain'),
  referrer_classes: rolled('referrer_class'),
  channels: rolled('channel'),
  utm_sources: rolled('utm_source'),
  utm_mediums: rolled('utm_medium'),
  utm_campaigns: rolled('utm_campaign'),
  countries: rolled('country'),
  devices: rolled('device_type'),
  browsers: rolled('browser'),
  os: rolled('os'),
  companies: rolled('company_name', 'rs.company_name IS NOT NULL'),
  industries: rolled('company_industry', 'rs.company_industry IS NOT NULL'),
  visitor_types: rolled('visitor_type'),
};
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as [DimensionName, ...DimensionName[]];

/** Sort keys of aggregate lists → ORDER BY text (constant), ties broken by value. */
export const BREAKDOWN_SORTS = ['visitors', 'sessions', 'page_views', 'events', 'value'] as const;
export type BreakdownSort = (typeof BREAKDOWN_SORTS)[number];

/** Every column name an ORDER BY may use (output aliases of the statements). */
const SORTABLE = new Set([
  'score',
  'visitors',
  'sessions',
  'page_views',
  'events',
  'value',
  'name',
  'last_seen',
  'first_seen',
]);

export function orderBy(sort: string, order: 'asc' | 'desc', tieBreak = 'value'): string {
  if (!SORTABLE.has(sort) || !SORTABLE.has(tieBreak)) throw new Error(`not a sortable column: ${sort}`);
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  if (sort === tieBreak) return `${tieBreak} ${dir} NULLS LAST`;
  return `${sort} ${dir} NULLS LAST, ${tieBreak} ASC NULLS LAST`;
}
