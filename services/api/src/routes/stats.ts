import { z } from 'zod';
import type { Pool } from '@beacon/db';
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
 */
const tags = ['stats'];
const site = '/v1/sites/:siteId';

export function registerStatsRoutes(t: RouteTable, d: ApiDeps): void {
  const deps: q.StatsDeps = {
    // Dashboard reads: the read replica while it keeps up (DATABASE_READ_URL), else the primary.
    pool: { query: ((text: string, values?: unknown[]) => d.reads().query(text, values)) as Pool['query'] },
    observe: (endpoint, seconds, source) => d.metrics.queryDuration.observe({ endpoint, source }, seconds),
    rollups: d.config.rollups.read,
  };
  // Per request: where the answer came from (days|rollup|events, docs/rollups.md) in X-Beacon-Source.
  const per = (res: { setHeader: (name: string, value: string) => unknown }): q.StatsDeps => ({
    ...deps,
    onSource: (source) => res.setHeader('X-Beacon-Source', source),
  });

  // ---- the seed's five sample queries
  t.define(
    {
      method: 'get',
      path: `${site}/stats/events`,
      summary: 'Recent events, newest first (paged by cursor)',
      tags,
      share: 'read',
      request: { query: q.pagedQuery },
      responses: { 200: { description: 'A page of events', schema: a.eventPageSchema } },
    },
    ({ site, query, res }) => q.recentEvents(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/business-visitors`,
      summary: 'Business visitors by company (visitor_type business, company known)',
      tags,
      share: 'read',
      request: { query: q.pagedQuery },
      responses: { 200: { description: 'Companies by events', schema: a.businessVisitorPageSchema } },
    },
    ({ site, query, res }) => q.businessVisitors(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/sessions-by-day`,
      summary: 'Sessions, users, events and average time on page per day of the site timezone',
      tags,
      share: 'read',
      request: { query: q.statsQuery },
      responses: { 200: { description: 'Days, newest first', schema: a.sessionsByDaySchema } },
    },
    ({ site, query, res }) => q.sessionsByDay(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/top-referrers`,
      summary: 'Referring domains by sessions',
      tags,
      share: 'read',
      request: { query: q.pagedQuery },
      responses: { 200: { description: 'Referrers', schema: a.referrerPageSchema } },
    },
    ({ site, query, res }) => q.topReferrers(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/utm-campaigns`,
      summary: 'UTM campaign performance (source, medium, campaign)',
      tags,
      share: 'read',
      request: { query: q.pagedQuery },
      responses: { 200: { description: 'Campaigns by sessions', schema: a.campaignPageSchema } },
    },
    ({ site, query, res }) => q.utmCampaigns(per(res), site, query),
  );

  // ---- dashboard questions
  t.define(
    {
      method: 'get',
      path: `${site}/stats/overview`,
      summary: 'Visitors, sessions, page views, bounce rate and session duration, with the previous period',
      tags,
      share: 'read',
      request: { query: q.statsQuery },
      responses: {
        200: { description: 'Totals of the range and of the period before it', schema: a.overviewSchema },
      },
    },
    ({ site, query, res }) => q.overview(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/timeseries`,
      summary: 'Visitors, sessions, page views and events per hour, day, week or month of the timezone',
      tags,
      share: 'read',
      request: { query: q.timeseriesQuery },
      responses: { 200: { description: 'Every bucket of the range', schema: a.timeseriesSchema } },
    },
    ({ site, query, res }) => q.timeseries(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/breakdown/:dimension`,
      summary:
        'Top values of a dimension (pages, entry/exit pages, referrers, channels, UTM, geo, devices, companies, events...)',
      tags,
      share: 'read',
      request: {
        params: z.object({ siteId: siteIdParam, dimension: q.dimensionParam }),
        query: q.breakdownQuery,
      },
      responses: { 200: { description: 'Rows of the dimension', schema: a.breakdownSchema } },
    },
    ({ site, params, query, res }) => q.breakdown(per(res), site, params.dimension, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/event-properties`,
      summary:
        'Custom events by property: the most frequent (property, value) pairs of their properties; filter event_name for one event',
      tags,
      request: { query: q.eventPropertiesQuery },
      responses: {
        200: { description: 'Property values, most frequent first', schema: a.eventPropertiesSchema },
      },
    },
    ({ site, query, res }) => q.eventProperties(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/stats/realtime`,
      summary: 'Visitors in the last 5 and 30 minutes',
      tags,
      share: 'read',
      request: { query: q.realtimeQuery },
      responses: { 200: { description: 'Current activity', schema: a.realtimeSchema } },
    },
    // Realtime is "what happens now": from the primary, where a replica's lag cannot hide visitors.
    ({ site, query, res }) => q.realtime({ ...per(res), pool: d.pool }, site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/sessions`,
      summary: 'Sessions of the range, newest first (paged by cursor)',
      tags,
      request: { query: q.pagedQuery },
      responses: { 200: { description: 'A page of sessions', schema: a.sessionPageSchema } },
    },
    ({ site, query, res }) => q.sessions(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/sessions/:sessionId`,
      summary: "One session's events in order",
      tags,
      request: {
        params: z.object({ siteId: siteIdParam, sessionId: q.sessionIdParam }),
        query: q.sessionEventsQuery,
      },
      responses: { 200: { description: 'The events of the session', schema: a.sessionEventsSchema } },
    },
    async ({ site, params, query, res }) => {
      const r = await q.sessionEvents(per(res), site, params.sessionId, query.limit);
      if (!r) throw new NotFoundError('session');
      return r;
    },
  );
  t.define(
    {
      method: 'get',
      path: `${site}/companies`,
      summary: 'Companies that visited in the range (the B2B view)',
      tags,
      share: 'read',
      request: { query: q.companiesQuery },
      responses: { 200: { description: 'A page of companies', schema: a.companyPageSchema } },
    },
    ({ site, query, res }) => q.companies(per(res), site, query),
  );
  t.define(
    {
      method: 'get',
      path: `${site}/companies/:domain`,
      summary: "One company's visits over time (by its domain)",
      description:
        "`match` says how the site's events of the domain were identified: per source (agency_ranges, " +
        "maxmind, asn) its confidence, ASNs, events and first/last seen, and the caller agency's own ranges " +
        'naming the domain. ' +
        "`company` holds, per column, the fact the caller's agency has of the domain (its own import, " +
        'its own IP ranges) over the agency-neutral one (company database, MaxMind, ASN). Facts of other ' +
        'agencies are never shown.',
      tags,
      request: {
        params: z.object({ siteId: siteIdParam, domain: q.companyDomainParam }),
        query: q.companyQuery,
      },
      responses: {
        200: { description: 'The company, its totals and its time series', schema: a.companyDetailSchema },
      },
    },
    async ({ site, params, query, res }) => {
      const r = await q.company(per(res), site, params.domain, query);
      if (!r) throw new NotFoundError('company');
      return r;
    },
  );

  t.define(
    {
      method: 'get',
      path: `${site}/stats/match-rates`,
      summary:
        'Sessions by how the visitor was identified (company, ISP/residential, hosting/VPN, bot, unknown)',
      description:
        'Per bucket of the site timezone; a session counts once, in the class of its best-identified ' +
        'event (docs/metrics.md, "Match rates"). Bots are included: the panel shows them.',
      tags,
      request: { query: q.matchRatesQuery },
      responses: { 200: { description: 'Sessions per class and bucket', schema: a.matchRatesSchema } },
    },
    ({ site, query, res }) => q.matchRates(per(res), site, query),
  );
}
