import { z } from 'zod';
import type { Params } from './params.js';

/**
 * The filters every stats question takes, combined with AND. Keys are query parameter names; the SQL
 * column of each comes only from this allow-list (request text never names a column). A key given
 * several times (`country=US&country=GB`) matches any of its values; the value `(none)` matches rows
 * where the column is empty.
 */
export const FILTER_COLUMNS = {
  country: 'country',
  region: 'region',
  city: 'city',
  device_type: 'device_type',
  browser: 'browser',
  os: 'os',
  language: 'language',
  channel: 'channel',
  referrer_domain: 'referrer_domain',
  referrer_class: 'referrer_class',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  utm_content: 'utm_content',
  utm_term: 'utm_term',
  page_path: 'page_path',
  company_name: 'company_name',
  company_domain: 'company_domain',
  company_industry: 'company_industry',
  visitor_type: 'visitor_type',
  event_name: 'event_name',
} as const;

export type FilterKey = keyof typeof FILTER_COLUMNS;
export const FILTER_KEYS = Object.keys(FILTER_COLUMNS) as FilterKey[];
export const NONE = '(none)';

const filterValue = z
  .union([z.string().max(500), z.array(z.string().max(500)).min(1).max(50)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .meta({
    id: 'FilterValue',
    description: `A value, or several (repeat the parameter) matched with OR; "(none)" matches empty`,
  });

const goalFilter = z
  .union([z.uuid(), z.array(z.uuid()).min(1).max(5)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .meta({
    id: 'GoalFilter',
    description: 'Only visitors who converted on this goal in the range (repeat: on every one of them)',
  });

/** zod shape of the filter query parameters (merged into each route's query schema). */
export const filterShape = {
  segment: z
    .uuid()
    .optional()
    .describe("A saved segment of the site: its filters are ANDed with the request's"),
  ...(Object.fromEntries(FILTER_KEYS.map((k) => [k, filterValue.optional()])) as Record<
    FilterKey,
    z.ZodOptional<typeof filterValue>
  >),
  goal: goalFilter.optional(),
};

export type Filters = Partial<Record<FilterKey, string[]>>;

/** Picks the filter keys out of a parsed query object. */
export function pickFilters(q: Record<string, unknown>): Filters {
  const out: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = q[k];
    // An empty list (a request and a segment with no value in common) matches nothing.
    if (Array.isArray(v)) out[k] = v.map(String);
  }
  return out;
}

/**
 * SQL conditions for `filters`, joined with AND (never empty), as a function of the table alias:
 * events `e`, or rollup_sessions (same column names). The values are added to `p` once, here.
 * Bots are left out unless the caller filters on visitor_type (then the filter decides).
 */
export function filterSql(p: Params, filters: Filters): (alias: string) => string {
  const parts: ((alias: string) => string)[] = [];
  for (const key of FILTER_KEYS) {
    const values = filters[key];
    if (!values) continue;
    if (values.length === 0) {
      parts.push(() => 'false');
      continue;
    }
    const real = values.filter((v) => v !== NONE);
    const ref = real.length === 1 ? p.add(real[0]) : real.length > 1 ? p.add(real) : null;
    const none = real.length !== values.length;
    parts.push((alias) => {
      const col = `${alias}.${FILTER_COLUMNS[key]}`;
      const alts: string[] = [];
      if (real.length === 1) alts.push(`${col} = ${ref}`);
      else if (real.length > 1) alts.push(`${col} = ANY(${ref}::text[])`);
      if (none) alts.push(`(${col} IS NULL OR ${col} = '')`);
      return alts.length === 1 ? alts[0]! : `(${alts.join(' OR ')})`;
    });
  }
  if (!filters.visitor_type?.length) parts.push((alias) => `${alias}.visitor_type IS DISTINCT FROM 'bot'`);
  return (alias) => parts.map((f) => f(alias)).join('\n  AND ');
}
