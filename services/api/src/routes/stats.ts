import { z } from 'zod';
import { dashboardReads } from './stats-deps.js';
import type { SiteScope } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as q from '../queries/index.js';
import * as a from './stats-schemas.js';

/**
 * The analytics routes: every one is under /v1/sites/:siteId, so the route table's site scope (the
 * tenant wall) resolves the site within the caller's agency before any query runs; every role,
 * viewers included, may read. Query parameters: docs/metrics.md and the OpenAPI document.
 * Each route is a row below (its OpenAPI entry and the question of queries/ that answers it).
 */
const tags = ['stats'];
const site = '/v1/sites/:siteId';

/** One GET route of a site. */
interface StatsRoute<Q extends z.ZodType, P extends z.ZodType | undefined> {
  /** After /v1/sites/:siteId. */
  path: string;
  summary: string;
  description?: string;
  query: Q;
  /** Path parameters, siteId included, when the path has more. */
  params?: P;
  /** What the 200 answer holds. */
  answers: string;
  schema: z.ZodType;
  /**
   * Whether share links may call it; default yes (aggregate reads). No for what names one visitor
   * (sessions, a session's events) or shows the agency's own identification facts (a company's detail).
   */
  share?: boolean;
  /** Read from the primary, never the replica (realtime: a replica's lag would hide visitors). */
  primary?: boolean;
  /** A null answer is a 404 of this. */
  notFound?: string;
  answer: (
    deps: q.StatsDeps,
    site: SiteScope,
    query: z.output<Q>,
    params: P extends z.ZodType ? z.output<P> : undefined,
  ) => Promise<unknown>;
}
type AnyRoute = StatsRoute<z.ZodType, z.ZodType | undefined>;

/** Checks a row against its own schemas, then erases its types for the tables. */
const route = <Q extends z.ZodType, P extends z.ZodType | undefined = undefined>(r: StatsRoute<Q, P>) =>
  r as unknown as AnyRoute;

/** The seed's five sample queries. */
const SEED_ROUTES = [
  route({
    path: '/stats/events',
    summary: 'Recent events, newest first (paged by cursor)',
    query: q.pagedQuery,
    answers: 'A page of events',
    schema: a.eventPageSchema,
    answer: q.recentEvents,
  }),
  route({
    path: '/stats/business-visitors',
    summary: 'Business visitors by company (visitor_type business, company known)',
    query: q.pagedQuery,
    answers: 'Companies by events',
    schema: a.businessVisitorPageSchema,
    answer: q.businessVisitors,
  }),
  route({
    path: '/stats/sessions-by-day',
    summary: 'Sessions, users, events and average time on page per day of the site timezone',
    query: q.statsQuery,
    answers: 'Days, newest first',
    schema: a.sessionsByDaySchema,
    answer: q.sessionsByDay,
  }),
  route({
    path: '/stats/top-referrers',
    summary: 'Referring domains by sessions',
    query: q.pagedQuery,
    answers: 'Referrers',
    schema: a.referrerPageSchema,
    answer: q.topReferrers,
  }),
  route({
    path: '/stats/utm-campaigns',
    summary: 'UTM campaign performance (source, medium, campaign)',
    query: q.pagedQuery,
    answers: 'Campaigns by sessions',
    schema: a.campaignPageSchema,
    answer: q.utmCampaigns,
  }),
];

/** Dashboard questions. */
const DASHBOARD_ROUTES = [
  route({
    path: '/stats/overview',
    summary: 'Visitors, sessions, page views, bounce rate and session duration, with the previous period',
    query: q.statsQuery,
    answers: 'Totals of the range and of the period before it',
    schema: a.overviewSchema,
    answer: q.overview,
  }),
  route({
    path: '/stats/timeseries',
    summary: 'Visitors, sessions, page views and events per hour, day, week or month of the timezone',
    query: q.timeseriesQuery,
    answers: 'Every bucket of the range',
    schema: a.timeseriesSchema,
    answer: q.timeseries,
  }),
  route({
    path: '/stats/breakdown/:dimension',
    summary:
      'Top values of a dimension (pages, entry/exit pages, referrers, channels, UTM, geo, devices, companies, events...)',
    query: q.breakdownQuery,
    params: z.object({ siteId: siteIdParam, dimension: q.dimensionParam }),
    answers: 'Rows of the dimension',
    schema: a.breakdownSchema,
    answer: (deps, site, query, params) => q.breakdown(deps, site, params.dimension, query),
  }),
  route({
    path: '/stats/event-properties',
    summary:
      'Custom events by property: the most frequent (property, value) pairs of their properties; filter event_name for one event',
    query: q.eventPropertiesQuery,
    answers: 'Property values, most frequent first',
    schema: a.eventPropertiesSchema,
    answer: q.eventProperties,
  }),
  route({
    path: '/stats/realtime',
    summary: 'Visitors in the last 5 and 30 minutes',
    query: q.realtimeQuery,
    answers: 'Current activity',
    schema: a.realtimeSchema,
    primary: true,
    answer: q.realtime,
  }),
  route({
    path: '/sessions',
    summary: 'Sessions of the range, newest first (paged by cursor)',
    query: q.pagedQuery,
    answers: 'A page of sessions',
    schema: a.sessionPageSchema,
    share: false,
    answer: q.sessions,
  }),
  route({
    path: '/sessions/:sessionId',
    summary: "One session's events in order",
    query: q.sessionEventsQuery,
    params: z.object({ siteId: siteIdParam, sessionId: q.sessionIdParam }),
    answers: 'The events of the session',
    schema: a.sessionEventsSchema,
    share: false,
    notFound: 'session',
    answer: (deps, site, query, params) => q.sessionEvents(deps, site, params.sessionId, query.limit),
  }),
];

/** The B2B view: companies, and how visitors were identified. */
const COMPANY_ROUTES = [
  route({
    path: '/companies',
    summary: 'Companies that visited in the range (the B2B view)',
    query: q.companiesQuery,
    answers: 'A page of companies',
    schema: a.companyPageSchema,
    answer: q.companies,
  }),
  route({
    path: '/companies/:domain',
    summary: "One company's visits over time (by its domain)",
    description:
      "`match` says how the site's events of the domain were identified: per source (agency_ranges, " +
      "maxmind, asn) its confidence, ASNs, events and first/last seen, and the caller agency's own ranges " +
      'naming the domain. ' +
      "`company` holds, per column, the fact the caller's agency has of the domain (its own import, " +
      'its own IP ranges) over the agency-neutral one (company database, MaxMind, ASN). Facts of other ' +
      'agencies are never shown.',
    query: q.companyQuery,
    params: z.object({ siteId: siteIdParam, domain: q.companyDomainParam }),
    answers: 'The company, its totals and its time series',
    schema: a.companyDetailSchema,
    share: false,
    notFound: 'company',
    answer: (deps, site, query, params) => q.company(deps, site, params.domain, query),
  }),
  route({
    path: '/stats/match-rates',
    summary:
      'Sessions by how the visitor was identified (company, ISP/residential, hosting/VPN, bot, unknown)',
    description:
      'Per bucket of the site timezone; a session counts once, in the class of its best-identified ' +
      'event (docs/metrics.md, "Match rates"). Bots are included: the panel shows them.',
    query: q.matchRatesQuery,
    answers: 'Sessions per class and bucket',
    schema: a.matchRatesSchema,
    answer: q.matchRates,
  }),
];

export function registerStatsRoutes(t: RouteTable, d: ApiDeps): void {
  const deps: q.StatsDeps = {
    pool: dashboardReads(d),
    observe: (endpoint, seconds, source) => d.metrics.queryDuration.observe({ endpoint, source }, seconds),
    rollups: d.config.rollups.read,
  };
  for (const r of [...SEED_ROUTES, ...DASHBOARD_ROUTES, ...COMPANY_ROUTES]) {
    t.define(
      {
        route: `get ${site}${r.path}` as `get ${typeof site}/${string}`,
        summary: r.summary,
        ...(r.description ? { description: r.description } : {}),
        tags,
        ...(r.share === false ? {} : { share: 'read' as const }),
        params: r.params,
        query: r.query,
        responses: { 200: [r.answers, r.schema] },
      },
      async ({ site, query, params, res }) => {
        // Per request: where the answer came from (days|rollup|events, docs/rollups.md) in X-Beacon-Source.
        const onSource = (source: string) => res.setHeader('X-Beacon-Source', source);
        const answer = await r.answer(
          { ...deps, onSource, ...(r.primary ? { pool: d.pool } : {}) },
          site,
          query,
          params as never,
        );
        if (answer === null && r.notFound) throw new NotFoundError(r.notFound);
        return answer;
      },
    );
  }
}
