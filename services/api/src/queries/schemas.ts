import { z } from 'zod';
import { EVENT_COLUMN_NAMES } from '@beacon/schema';
import { cursorParam, limitParam, qList } from '../http/validate.js';
import { filterShape } from './filters.js';
import { rangeShape } from './range.js';
import { BREAKDOWN_SORTS, DIMENSION_NAMES } from './dimensions.js';

/**
 * zod schemas of the stats questions' query strings (also the OpenAPI parameters). Every list pages
 * the same way: `limit` (1-500, default 50, the API's shared limitParam) and the opaque `cursor` from the previous answer's
 * `next_cursor`; aggregate lists sort with `sort` and `order`. Unknown parameters are rejected, so a
 * misspelt filter is a 400 rather than silently ignored.
 */
const limit = limitParam;
const cursor = cursorParam;
const order = z.enum(['asc', 'desc']).default('desc');
/** The bucket sizes of a time series (also in the answers, stats-schemas.ts). */
export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
const interval = z.enum(INTERVALS).default('day');

/** What every stats question takes: the range and the filters. */
const statsShape = { ...rangeShape, ...filterShape };
export const statsQuery = z.object(statsShape).strict();
export type StatsQuery = z.infer<typeof statsQuery>;
/** A page of a stats list (aggregate lists add their sort). */
const pageShape = { ...statsShape, limit, cursor };
/** How a breakdown is sorted, on screen and exported. */
const breakdownSort = { sort: z.enum(BREAKDOWN_SORTS).default('visitors'), order };
export const pagedQuery = z.object(pageShape).strict();
export type PagedQuery = z.infer<typeof pagedQuery>;
export const timeseriesQuery = z.object({ ...statsShape, interval }).strict();
export type TimeseriesQuery = z.infer<typeof timeseriesQuery>;
export const breakdownQuery = z
  .object({
    ...pageShape,
    ...breakdownSort,
    conversion_goal: z
      .uuid()
      .optional()
      .describe('A goal id: each row also gets converters and conversion_rate for that goal'),
  })
  .strict();
export type BreakdownQuery = z.infer<typeof breakdownQuery>;
/** An event's properties: a page of them, as any paged list. */
export const eventPropertiesQuery = pagedQuery;
export type EventPropertiesQuery = PagedQuery;
export const companiesQuery = z
  .object({
    ...pageShape,
    sort: z
      .enum(['visitors', 'sessions', 'page_views', 'events', 'name', 'last_seen', 'score'])
      .default('visitors'),
    order,
    min_score: z.coerce
      .number()
      .int()
      .min(0)
      .max(100)
      .optional()
      .describe('Only companies whose lead score (docs/lead-score.md) is at least this'),
  })
  .strict();
export type CompaniesQuery = z.infer<typeof companiesQuery>;
/** One company: its time series (the same question as the site's, of its visits). */
export const companyQuery = timeseriesQuery;
export type CompanyQuery = TimeseriesQuery;
/** Match rates: range and bucket size only (the panel counts every session, bots included). */
export const matchRatesQuery = z.object({ ...rangeShape, interval }).strict();
export type MatchRatesQuery = z.infer<typeof matchRatesQuery>;
export const realtimeQuery = z.object({ ...filterShape }).strict();
export type RealtimeQuery = z.infer<typeof realtimeQuery>;
export const sessionEventsQuery = z.object({ limit }).strict();
export const exportQuery = z
  .object({
    ...statsShape,
    ...breakdownSort,
    /** Events export only: which events columns, in this order (default: every one the role may export). */
    columns: qList(z.enum(EVENT_COLUMN_NAMES as readonly string[] as [string, ...string[]]), 200)
      .pipe(z.array(z.string()).min(1, 'name at least one column'))
      .optional()
      .describe(
        'Events export only: comma-separated events columns in the order wanted. Default: every column the role may export (personal columns such as ip_address, user_agent and the hashes need the admin role).',
      ),
  })
  .strict();
export type ExportQuery = z.infer<typeof exportQuery>;

export const dimensionParam = z.enum(DIMENSION_NAMES);
export const exportParam = z.enum([...DIMENSION_NAMES, 'events'] as [string, ...string[]]);
export const sessionIdParam = z.string().min(1).max(100);
export const companyDomainParam = z.string().min(1).max(255);
