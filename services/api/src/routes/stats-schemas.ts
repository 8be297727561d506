import { z } from 'zod';
import { EVENT_COLUMN_BY_NAME, LISTED_EVENT_COLUMNS, type ColumnDef } from '@beacon/schema';
import { pageOf } from './schemas.js';
import { INTERVALS } from '../queries/schemas.js';

/** Answer shapes of the analytics routes (named components of the OpenAPI document). */

const int = z.number().int();
const num = z.number();
const ts = z.string().meta({ description: 'ISO 8601 instant' });

export const periodTotalsSchema = z
  .object({
    visitors: int.meta({ description: 'distinct client_id' }),
    sessions: int.meta({ description: 'distinct session_id' }),
    page_views: int,
    events: int,
    bounced_sessions: int.meta({ description: 'sessions with exactly one page view' }),
    viewing_sessions: int.meta({
      description: 'sessions with at least one page view (bounce rate denominator)',
    }),
    bounce_rate: num.nullable().meta({ description: '0-1; null without page views' }),
    avg_session_duration: num.nullable().meta({ description: 'seconds, last event - first event' }),
  })
  .meta({ id: 'PeriodTotals' });

const changeSchema = z
  .record(z.string(), num.nullable())
  .meta({ description: '(current - previous) / previous per metric; null when previous is 0' });

export const overviewSchema = z
  .object({ current: periodTotalsSchema, previous: periodTotalsSchema, change: changeSchema })
  .meta({ id: 'Overview' });

export const bucketSchema = z
  .object({
    bucket: z
      .string()
      .meta({ description: 'bucket start, local time of the timezone (YYYY-MM-DDTHH:MM:SS)' }),
    start: ts,
    visitors: int,
    sessions: int,
    page_views: int,
    events: int,
  })
  .meta({ id: 'TimeBucket' });

/** Visits per bucket of a period, in the site's time zone (the site's, or one company's). */
const seriesShape = { interval: z.enum(INTERVALS), tz: z.string(), items: z.array(bucketSchema) };
export const timeseriesSchema = z.object(seriesShape).meta({ id: 'TimeSeries' });

export const breakdownRowSchema = z
  .object({
    value: z.string().nullable(),
    visitors: int,
    sessions: int,
    page_views: int.nullable(),
    events: int.nullable(),
    converters: int
      .optional()
      .describe('with conversion_goal: visitors of the row whose session converted on the goal'),
    conversion_rate: z.number().nullable().optional().describe('with conversion_goal: converters / visitors'),
  })
  .meta({ id: 'BreakdownRow' });
export const breakdownSchema = z
  .object({ dimension: z.string(), items: z.array(breakdownRowSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'Breakdown' });

export const eventPropertySchema = z
  .object({
    property: z.string().meta({ description: 'top-level key of the events’ properties' }),
    value: z.string().nullable().meta({ description: 'its value as text (a nested value as JSON)' }),
    visitors: int,
    events: int,
  })
  .meta({ id: 'EventPropertyRow' });
export const eventPropertiesSchema = z
  .object({ items: z.array(eventPropertySchema), next_cursor: z.string().nullable() })
  .meta({ id: 'EventProperties' });

export const realtimeSchema = z
  .object({ visitors_5m: int, visitors_30m: int, page_views_30m: int, events_30m: int })
  .meta({ id: 'Realtime' });

const s = z.string().nullable();

/**
 * A column's value as the api answers it: node-pg reads numeric as text and int8 as a number (packages/db
 * pool), timestamps are ISO text in JSON.
 */
function answerType(col: ColumnDef): z.ZodType {
  switch (col.type) {
    case 'uuid':
      return z.uuid();
    case 'timestamptz':
      return ts;
    case 'int':
    case 'bigint':
      return int;
    case 'decimal':
      return z.string().meta({ description: `DECIMAL(${col.max},${col.scale}) as text` });
    case 'bool':
      return z.boolean();
    case 'jsonb':
      return z.record(z.string(), z.unknown());
    default:
      return z.string();
  }
}

/** Raw events in lists: the field registry's `listed` columns (queries/statements/seed.ts selects them). */
export const eventRowSchema = z
  .object(
    Object.fromEntries(
      LISTED_EVENT_COLUMNS.map((name) => {
        const col = EVENT_COLUMN_BY_NAME.get(name)!;
        return [name, col.notNull ? answerType(col) : answerType(col).nullable()];
      }),
    ),
  )
  .meta({ id: 'EventRow' });
export const eventPageSchema = pageOf(eventRowSchema, 'EventPage');

export const businessVisitorSchema = z
  .object({
    company_name: z.string(),
    company_domain: s,
    company_industry: s,
    unique_visitors: int,
    total_events: int,
  })
  .meta({ id: 'BusinessVisitor' });
export const businessVisitorPageSchema = pageOf(businessVisitorSchema, 'BusinessVisitorPage');

export const sessionsByDaySchema = z
  .object({
    items: z.array(
      z.object({
        date: z.string(),
        sessions: int,
        unique_users: int,
        total_events: int,
        avg_time_on_page: num.nullable(),
      }),
    ),
  })
  .meta({ id: 'SessionsByDay' });

export const referrerPageSchema = pageOf(
  z.object({ referrer_domain: z.string(), sessions: int, events: int }).meta({ id: 'ReferrerRow' }),
  'ReferrerPage',
);
export const campaignPageSchema = pageOf(
  z
    .object({
      utm_source: s,
      utm_medium: s,
      utm_campaign: z.string(),
      sessions: int,
      unique_users: int,
      avg_engagement: num.nullable(),
    })
    .meta({ id: 'CampaignRow' }),
  'CampaignPage',
);

export const sessionRowSchema = z
  .object({
    session_id: z.string(),
    client_id: s,
    started_at: ts,
    ended_at: ts,
    duration: num.meta({ description: 'seconds' }),
    page_views: int,
    events: int,
    entry_page: s,
    exit_page: s,
    country: s,
    device_type: s,
    browser: s,
    referrer_domain: s,
    channel: s,
    company_name: s,
    bounce: z.boolean(),
  })
  .meta({ id: 'SessionRow' });
export const sessionPageSchema = pageOf(sessionRowSchema, 'SessionPage');
export const sessionEventsSchema = z
  .object({ session_id: z.string(), items: z.array(eventRowSchema) })
  .meta({ id: 'SessionEvents' });

export const companyRowSchema = z
  .object({
    name: z.string(),
    domain: s,
    industry: s,
    visitors: int,
    sessions: int,
    page_views: int,
    events: int,
    first_seen: ts,
    last_seen: ts,
    score: int.nullable().describe('Lead score 0-100 (docs/lead-score.md); null before it is computed'),
    engagement: int.nullable(),
    intent: int.nullable(),
    fit: int.nullable(),
  })
  .meta({ id: 'CompanyRow' });
export const companyPageSchema = pageOf(companyRowSchema, 'CompanyPage');
/** How a company was matched (issue #16): per source, and the agency's own ranges naming it. */
const companyMatchSchema = z
  .object({
    sources: z.array(
      z.object({
        source: z.enum(['agency_ranges', 'maxmind', 'asn']).nullable(),
        confidence: z.number().nullable(),
        asns: z.array(z.string()).nullable(),
        events: int,
        first_seen: ts,
        last_seen: ts,
      }),
    ),
    ranges: z.array(z.object({ range_start: z.string(), range_end: z.string() })),
  })
  .meta({ id: 'CompanyMatch' });

export const companyDetailSchema = z
  .object({
    company: z.object({
      name: s.optional(),
      domain: s,
      industry: s.optional(),
      employee_count: s.optional(),
      revenue: s.optional(),
    }),
    override: z
      .object({
        not_company: z.boolean(),
        name: s.nullable(),
        industry: s.nullable(),
        employee_count: s.nullable(),
        merge_into: s.nullable(),
        updated_at: ts,
      })
      .nullable()
      .meta({ description: "the caller agency's override of the domain (PUT /v1/company-overrides)" }),
    merged_domains: z
      .array(z.string())
      .meta({ description: 'domains the agency merged into this one: their visits count here' }),
    match: companyMatchSchema,
    totals: periodTotalsSchema,
    previous: periodTotalsSchema,
    ...seriesShape,
  })
  .meta({ id: 'CompanyDetail' });

export const matchRatesSchema = z
  .object({
    interval: z.enum(INTERVALS),
    tz: z.string(),
    items: z.array(
      z.object({
        bucket: z.string().meta({ description: "the bucket's start in the site's local time" }),
        start: ts,
        sessions: int,
        company: int,
        isp_residential: int,
        hosting_vpn: int,
        bot: int,
        unknown: int,
      }),
    ),
  })
  .meta({ id: 'MatchRates' });
