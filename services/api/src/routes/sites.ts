import { adminSql, isUniqueViolation } from '@beacon/db';
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { parseSiteConfig, renderSnippet } from '@beacon/schema';
import { siteLimitOf, type SiteRow } from '../auth/site-scope.js';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { audit } from '../http/audit.js';
import { ConflictError, ForbiddenError, invalidBodyField, NotFoundError } from '../http/errors.js';
import { findAgency } from '../sql/agency.js';
import { cursorParam, limitParam, qList } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { isTimeZone } from '../time-zones.js';
import * as sql from '../sql/sites.js';
import { decodeCursor, keysetPage } from './keyset.js';
import { changesOf, isoStamps, pageOf, stamps } from './schemas.js';

const STATUSES = ['active', 'paused', 'deleted'] as const;
const tags = ['sites'];
const ALPHANUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A site's public tracking id: 12 lower-case letters and digits (like the seed's 'abc123def456'). */
function newScriptId(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += ALPHANUM[randomInt(ALPHANUM.length)];
  return s;
}

const QUOTA_DOC =
  'events stored per calendar month (UTC) past which the agency admins are warned (email at 80 % and 100 %, and on the dashboard); the collector keeps accepting past it; null: no quota';

/** The quota a client may set (admins only). */
const quotaField = z
  .number()
  .int()
  .min(1)
  .max(1e12)
  .nullable()
  .optional()
  .meta({ description: `${QUOTA_DOC}. Admins only (403 otherwise).` });

const hostPattern = z
  .string()
  .trim()
  .toLowerCase()
  .max(255)
  .regex(
    /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/,
    'a host such as example.com or *.example.com',
  );

/**
 * sites.config as a client may set it. Strict where @beacon/schema's siteConfigSchema is lenient: the
 * services read config forgivingly (a bad value takes its default), but a client writing a bad value
 * gets a 400 naming it rather than a silent default. Unknown keys are refused (typos).
 */
/** What each privacy switch does (docs/privacy.md), shown in the OpenAPI document. */
const SWITCH_DOCS = {
  ip_anonymization:
    'IP kept after the lookups: truncate (default for new sites: IPv4 /24, IPv6 /48), none, or drop',
  cookieless:
    'no cookie and no browser storage; the enricher derives a daily visitor id from a keyed hash of site, IP and user agent',
  respect_dnt:
    'browsers sending Do-Not-Track or Global Privacy Control are not tracked unless the visitor consents (default true)',
  require_consent: 'the tracker sends and stores nothing until the page calls beacon.consent(true)',
} as const;
const privacyNote =
  ' The tracker reads the switches from the collector: a change reaches tagged pages on their next load (within COLLECTOR_SITE_SETTINGS_MAX_AGE_S), the snippet stays the same.';

export const siteConfigInput = z
  .object({
    allowed_origins: z.array(hostPattern).max(100),
    ip_anonymization: z
      .enum(['none', 'truncate', 'drop'])
      .meta({ description: SWITCH_DOCS.ip_anonymization }),
    bot_policy: z.enum(['keep', 'drop']),
    cookieless: z.boolean().meta({ description: SWITCH_DOCS.cookieless + privacyNote }),
    respect_dnt: z.boolean().meta({ description: SWITCH_DOCS.respect_dnt + privacyNote }),
    require_consent: z.boolean().meta({ description: SWITCH_DOCS.require_consent + privacyNote }),
    timezone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA timezone such as Europe/Paris'),
    retention_months: z.number().int().min(1).max(600).nullable().meta({
      description:
        "months of raw events and sessions kept for this site, at most the agency's retention; null: the agency's",
    }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')
      .describe('revenue currency; purchases in others are reported apart'),
  })
  .partial()
  .strict()
  .meta({ id: 'SiteConfigInput' });

const siteConfigOut = z
  .object({
    allowed_origins: z.array(z.string()),
    ip_anonymization: z
      .enum(['none', 'truncate', 'drop'])
      .meta({ description: SWITCH_DOCS.ip_anonymization }),
    bot_policy: z.enum(['keep', 'drop']),
    cookieless: z.boolean().meta({ description: SWITCH_DOCS.cookieless }),
    respect_dnt: z.boolean().meta({ description: SWITCH_DOCS.respect_dnt }),
    require_consent: z.boolean().meta({ description: SWITCH_DOCS.require_consent }),
    timezone: z.string(),
    retention_months: z
      .number()
      .int()
      .nullable()
      .meta({ description: "null: the agency's retention (the shorter of the two applies)" }),
    currency: z.string(),
  })
  .meta({ id: 'SiteConfig' });

export const siteSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    domain: z.string(),
    script_id: z.string().meta({ description: 'what the snippet carries and events.site_id holds' }),
    status: z.enum(STATUSES),
    config: siteConfigOut,
    monthly_event_quota: z.number().int().nullable().meta({ description: QUOTA_DOC }),
    quota_warning: z
      .union([z.literal(80), z.literal(100)])
      .nullable()
      .meta({
        description:
          "the highest share of the monthly event quota (80 or 100 %) the site's stored events reached this month (UTC), as warned by email; null: none",
      }),
    ...stamps,
  })
  .meta({ id: 'Site' });

export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(255)
  .regex(
    /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'a domain such as example.com',
  );

const siteName = z.string().trim().min(1).max(255);

const createBody = z
  .object({
    name: siteName,
    domain: domainSchema,
    status: z.enum(['active', 'paused']).optional(),
    config: siteConfigInput.optional(),
  })
  .strict()
  .meta({ id: 'SiteCreate' });

const updateBody = changesOf(
  {
    name: siteName,
    domain: domainSchema,
    status: z.enum(STATUSES),
    config: siteConfigInput
      .optional()
      .meta({ description: 'merged into the current config (keys not given are kept)' }),
    monthly_event_quota: quotaField,
  },
  'SiteUpdate',
);

/**
 * A site keeps its data at most as long as its agency: a longer retention_months is refused (400) so the
 * settings never promise what the retention job will not do (it applies the shorter of the two).
 */
async function checkRetention(
  d: ApiDeps,
  agencyId: string,
  months: number | null | undefined,
): Promise<void> {
  if (months === undefined || months === null) return;
  const { rows } = await d.pool.query<{ config: { retention_months?: unknown } | null }>(findAgency, [
    agencyId,
  ]);
  const own = rows[0]?.config?.retention_months;
  const agencyMonths = typeof own === 'number' ? own : d.config.storage.retentionMonthsDefault;
  if (months > agencyMonths)
    throw invalidBodyField(
      'config.retention_months',
      { path: ['config', 'retention_months'], code: 'too_big', message: 'longer than the agency' },
      `at most the agency's retention (${agencyMonths} months)`,
    );
}

function toSite(r: SiteRow): z.infer<typeof siteSchema> {
  const c = parseSiteConfig(r.config ?? {});
  return {
    id: r.id,
    name: r.name,
    domain: r.domain,
    script_id: r.script_id,
    status: r.status,
    config: {
      allowed_origins: c.allowed_origins,
      ip_anonymization: c.ip_anonymization,
      bot_policy: c.bot_policy,
      cookieless: c.cookieless,
      respect_dnt: c.respect_dnt,
      require_consent: c.require_consent,
      timezone: c.timezone,
      retention_months: c.retention_months ?? null,
      currency: c.currency,
    },
    monthly_event_quota: r.monthly_event_quota === null ? null : Number(r.monthly_event_quota),
    quota_warning: r.quota_warning === 80 || r.quota_warning === 100 ? r.quota_warning : null,
    ...isoStamps(r),
  };
}

/** Sites of the caller's agency: list, create, read, change (incl. status), delete (soft), snippet. */
export function registerSiteRoutes(t: RouteTable, d: ApiDeps): void {
  registerSiteList(t, d);
  registerSiteCreate(t, d);
  registerSiteChanges(t, d);
  registerSnippet(t, d);
}

function registerSiteList(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/sites',
      summary: "The agency's sites, by name",
      tags,
      query: z
        .object({
          status: qList(z.enum(STATUSES), 3)
            .optional()
            .meta({ description: 'default active,paused (deleted sites only when asked for)' }),
          limit: limitParam,
          cursor: cursorParam,
        })
        .strict(),
      responses: { 200: ['A page of sites', pageOf(siteSchema, 'SitePage')] },
    },
    async ({ auth, query }) => {
      const statuses = query.status && query.status.length > 0 ? query.status : ['active', 'paused'];
      const after = decodeCursor(query.cursor, ['text', 'uuid']);
      const { rows } = await d.pool.query<SiteRow>(sql.listSites, [
        auth.agencyId,
        statuses,
        ...after,
        query.limit + 1,
        siteLimitOf(auth),
      ]);
      return keysetPage(rows, query.limit, toSite, (r) => [r.name.toLowerCase(), r.id]);
    },
  );
}

/** Inserts a site with a new script_id, trying another on the (astronomically rare) collision. */
async function insertSite(d: ApiDeps, agencyId: string, body: z.infer<typeof createBody>): Promise<SiteRow> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { rows } = await d.pool.query<SiteRow>(adminSql.insertSite, [
        agencyId,
        body.name,
        body.domain,
        newScriptId(),
        JSON.stringify(body.config ?? {}),
        body.status ?? 'active',
      ]);
      return rows[0]!;
    } catch (err) {
      // 36^12 ids: a collision is astronomically rare, but retry rather than answer 500.
      if (isUniqueViolation(err) && attempt < 3) continue;
      throw err;
    }
  }
}

function registerSiteCreate(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/sites',
      summary: 'Create a site (its script_id is generated)',
      tags,
      roles: WRITERS,
      body: createBody,
      responses: { 201: ['The new site', siteSchema] },
    },
    async (ctx) => {
      const { auth, body } = ctx;
      // A client login limited to selected sites would not see the site it made.
      if (siteLimitOf(auth) !== null)
        throw new ForbiddenError('a login limited to selected sites cannot create sites');
      await checkRetention(d, auth.agencyId, body.config?.retention_months);
      const created = toSite(await insertSite(d, auth.agencyId, body));
      const details = { script_id: created.script_id, domain: created.domain };
      await audit(d, ctx, 'site.create', { type: 'site', id: created.id }, details);
      return created;
    },
  );
}

function registerSiteChanges(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/sites/:siteId',
      summary: 'One site',
      tags,
      responses: { 200: ['The site', siteSchema] },
    },
    async ({ site, auth }) => {
      const { rows } = await d.pool.query<SiteRow>(sql.findSiteById, [auth.agencyId, site.id, null]);
      return toSite(rows[0]!);
    },
  );

  t.define(
    {
      route: 'patch /v1/sites/:siteId',
      summary:
        'Change a site: name, domain, status (active, paused, deleted), config (merged) or monthly event quota (admins)',
      tags,
      roles: WRITERS,
      body: updateBody,
      responses: { 200: ['The changed site', siteSchema] },
    },
    async (ctx) => {
      const { site, auth, body } = ctx;
      if (body.monthly_event_quota !== undefined && auth.role !== 'admin')
        throw new ForbiddenError('only admins set the monthly event quota');
      await checkRetention(d, auth.agencyId, body.config?.retention_months);
      const { rows } = await d.pool.query<SiteRow>(sql.updateSite, [
        auth.agencyId,
        site.id,
        body.name ?? null,
        body.domain ?? null,
        body.config ? JSON.stringify(body.config) : null,
        body.status ?? null,
        body.monthly_event_quota ?? null,
        body.monthly_event_quota !== undefined,
      ]);
      if (!rows[0]) throw new NotFoundError('site');
      await audit(d, ctx, 'site.update', { type: 'site', id: site.id }, { changed: Object.keys(body) });
      return toSite(rows[0]);
    },
  );

  t.define(
    {
      route: 'delete /v1/sites/:siteId',
      summary:
        'Delete a site (status deleted: the collector refuses its hits; its data ages out with retention)',
      tags,
      roles: WRITERS,
      responses: { 200: ['The site, now deleted', siteSchema] },
    },
    async (ctx) => {
      const { site, auth } = ctx;
      if (site.status === 'deleted') throw new ConflictError('the site is already deleted');
      const deleted = [auth.agencyId, site.id, null, null, null, 'deleted', null, false];
      const { rows } = await d.pool.query<SiteRow>(sql.updateSite, deleted);
      await audit(d, ctx, 'site.delete', { type: 'site', id: site.id }, { script_id: site.scriptId });
      return toSite(rows[0]!);
    },
  );
}

function registerSnippet(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/sites/:siteId/snippet',
      summary: 'The tracking snippet to paste into every page of the site',
      tags,
      responses: {
        200: [
          'The snippet',
          z
            .object({ script_id: z.string(), collector_url: z.string(), html: z.string() })
            .meta({ id: 'Snippet' }),
        ],
      },
    },
    ({ site }) => ({
      script_id: site.scriptId,
      collector_url: d.config.collector.publicUrl,
      html: renderSnippet(site.scriptId, d.config.collector),
    }),
  );
}
