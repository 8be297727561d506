import { z } from 'zod';
import { recordAdminAction as audit } from '../admin-actions.js';
import { ADMINS, WRITERS, type Role } from '../auth/types.js';
import { checkPublicUrl, UnsafeUrlError } from '../b2b/safe-post.js';
import { newWebhookSecret } from '../b2b/signing.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '@beacon/schema';
import { NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/company-alerts.js';
import { iso } from './schemas.js';

/**
 * Company alert rules, their endpoints and the delivery log of a site (docs/company-alerts.md).
 * Every statement names the caller's agency and the site: the tenant wall is in the SQL too.
 */
const tags = ['company alerts'];
const list = (max: number, item: z.ZodType<string>) => z.array(item).max(max);
const name = z.string().trim().min(1).max(120);
const recipients = z.array(z.string().trim().toLowerCase().max(255).pipe(z.email())).min(1).max(50);
const word = z.string().trim().min(1).max(100);
const country = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'ISO country code');
const ruleFields = {
  name,
  visitor: z.enum(['new', 'returning', 'any']),
  intent_page: z.boolean(),
  min_score: z.number().int().min(0).max(100).nullable(),
  fit_industries: list(50, word),
  fit_sizes: list(20, word),
  fit_countries: list(250, country),
  cooldown_h: z.number().int().min(1).max(720),
  endpoint_ids: z.array(z.uuid()).max(20),
};
export const ruleSchema = z
  .object({
    id: z.uuid(),
    ...ruleFields,
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'CompanyAlertRule' });
export const endpointSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['webhook', 'slack', 'email']),
    url: z.string().nullable(),
    recipients: z.array(z.string()).nullable(),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    consecutive_failures: z.number().int(),
    previous_secret_until: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'AlertEndpoint' });
const withSecret = endpointSchema
  .extend({ secret: z.string().nullable().describe('Shown once: the signing secret of a webhook endpoint') })
  .meta({ id: 'AlertEndpointWithSecret' });
const deliverySchema = z
  .object({
    id: z.uuid(),
    alert_id: z.uuid(),
    endpoint_id: z.uuid(),
    endpoint_name: z.string(),
    endpoint_kind: z.string(),
    rule_name: z.string(),
    domain: z.string(),
    status: z.enum(['pending', 'sending', 'retrying', 'delivered', 'dead']),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_latency_ms: z.number().int().nullable(),
    last_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'AlertDelivery' });

type Row = Record<string, unknown>;
const dates = (r: Row, keys: string[]) => {
  const out = { ...r };
  for (const k of keys) out[k] = iso(r[k] as Date | null);
  delete out.site_id;
  return out;
};
const toRule = (r: Row) => dates(r, ['created_at', 'updated_at']);
const toEndpoint = (r: Row) => dates(r, ['created_at', 'updated_at', 'previous_secret_until']);
const RULES = '/v1/sites/:siteId/company-alert-rules';
const ENDPOINTS = '/v1/sites/:siteId/alert-endpoints';
const DELIVERIES = '/v1/sites/:siteId/alert-deliveries';
const ruleParams = z.object({ siteId: siteIdParam, ruleId: z.uuid() });
const endpointParams = z.object({ siteId: siteIdParam, endpointId: z.uuid() });
const deliveryParams = z.object({ siteId: siteIdParam, deliveryId: z.uuid() });

/** A URL for an endpoint: http(s) to a public address (400 otherwise), Slack's only over https. */
async function endpointUrl(d: ApiDeps, kind: string, url: string | undefined): Promise<string | null> {
  if (kind === 'email') return null;
  if (!url) throw new HttpError(400, 'invalid_request', `invalid body: url: a ${kind} endpoint needs a url`);
  try {
    await checkPublicUrl(url, d.config.alerts.allowLoopbackTestOnly);
  } catch (err) {
    if (err instanceof UnsafeUrlError)
      throw new HttpError(400, 'invalid_request', `invalid body: url: ${err.message}`);
    throw err;
  }
  return url;
}

export function registerCompanyAlertRoutes(t: RouteTable, d: ApiDeps): void {
  registerRuleRoutes(t, d);
  registerEndpointRoutes(t, d);
  registerDeliveryRoutes(t, d);
}

function registerRuleRoutes(t: RouteTable, d: ApiDeps): void {
  listRules(t, d);
  createRule(t, d);
  updateRule(t, d);
  deleteRule(t, d);
}

function listRules(t: RouteTable, d: ApiDeps): void {
  listRoute(t, d, {
    path: RULES,
    summary: "The site's company alert rules",
    description: 'Rules',
    item: ruleSchema,
    statement: sql.listRules,
    map: toRule,
  });
}

function createRule(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `post ${RULES}`,
      summary: 'Alert when a company visits (new, returning, high-intent page, score, fit)',
      description: 'Every condition given must hold. Fires at most once per company and cooldown window.',
      tags,
      roles: WRITERS,
      body: z
        .object({
          name: ruleFields.name,
          visitor: ruleFields.visitor.default('any'),
          intent_page: ruleFields.intent_page.default(false),
          min_score: ruleFields.min_score.default(null),
          fit_industries: ruleFields.fit_industries.default([]),
          fit_sizes: ruleFields.fit_sizes.default([]),
          fit_countries: ruleFields.fit_countries.default([]),
          cooldown_h: ruleFields.cooldown_h.default(24),
          endpoint_ids: ruleFields.endpoint_ids.default([]),
        })
        .strict()
        .meta({ id: 'CompanyAlertRuleCreate' }),
      responses: { 201: ['The rule', ruleSchema] },
    },
    async ({ auth, site, body }) => {
      const { rows } = await d.pool.query(sql.insertRule, [
        auth.agencyId,
        site.id,
        body.name,
        body.visitor,
        body.intent_page,
        body.min_score,
        body.fit_industries.map((s) => s.toLowerCase()),
        body.fit_sizes,
        body.fit_countries,
        body.cooldown_h,
        body.endpoint_ids,
        auth.userId,
      ]);
      audit(d, auth, 'company_alert_rule.create', { rule_id: rows[0]!.id, site_id: site.id });
      return toRule(rows[0]!);
    },
  );
}

function updateRule(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `patch ${RULES}/:ruleId`,
      summary: 'Change a company alert rule',
      tags,
      roles: WRITERS,
      params: ruleParams,
      body: z
        .object({
          ...Object.fromEntries(Object.entries(ruleFields).map(([k, v]) => [k, v.optional()])),
          enabled: z.boolean().optional(),
        })
        .strict()
        .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
        .meta({ id: 'CompanyAlertRuleUpdate' }),
      responses: { 200: ['The rule', ruleSchema] },
    },
    async ({ auth, site, params, body }) => {
      const b = body as Partial<Record<keyof typeof ruleFields | 'enabled', unknown>>;
      const { rows } = await d.pool.query(sql.updateRule, [
        auth.agencyId,
        site.id,
        params.ruleId,
        b.name ?? null,
        b.visitor ?? null,
        b.intent_page ?? null,
        b.min_score ?? null,
        (b.fit_industries as string[] | undefined)?.map((s) => s.toLowerCase()) ?? null,
        b.fit_sizes ?? null,
        b.fit_countries ?? null,
        b.cooldown_h ?? null,
        b.endpoint_ids ?? null,
        b.enabled ?? null,
        'min_score' in b,
      ]);
      if (!rows[0]) throw new NotFoundError('rule');
      audit(d, auth, 'company_alert_rule.update', { rule_id: params.ruleId, site_id: site.id });
      return toRule(rows[0]);
    },
  );
}

function deleteRule(t: RouteTable, d: ApiDeps): void {
  const path = `${RULES}/:ruleId` as const;
  const summary = 'Delete a company alert rule (its alerts and delivery log go with it)';
  deleteRoute(t, d, { path, params: ruleParams, summary, roles: WRITERS }, sql.deleteRule);
}

function registerEndpointRoutes(t: RouteTable, d: ApiDeps): void {
  listEndpoints(t, d);
  createEndpoint(t, d);
  updateEndpoint(t, d);
  deleteEndpoint(t, d);
  rotateEndpointSecret(t, d);
}

function listEndpoints(t: RouteTable, d: ApiDeps): void {
  listRoute(t, d, {
    path: ENDPOINTS,
    summary: "The site's alert endpoints (webhooks, Slack, email); secrets are never shown again",
    description: 'Endpoints',
    item: endpointSchema,
    statement: sql.listEndpoints,
    map: toEndpoint,
  });
}

function createEndpoint(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `post ${ENDPOINTS}`,
      summary: 'Add an alert endpoint; a webhook answers its signing secret once',
      description:
        'url: http(s) to a public address (loopback, private, link-local and metadata addresses are refused, ' +
        'also after DNS resolution when sending; redirects are not followed).',
      tags,
      roles: ADMINS,
      body: z
        .object({
          name,
          kind: z.enum(['webhook', 'slack', 'email']),
          url: z.string().trim().max(2000).optional(),
          recipients: recipients.optional(),
        })
        .strict()
        .refine((b) => (b.kind === 'email') === (b.recipients !== undefined), {
          message: 'recipients for an email endpoint (and only for one)',
          path: ['recipients'],
        })
        .meta({ id: 'AlertEndpointCreate' }),
      responses: { 201: ['The endpoint with its secret', withSecret] },
    },
    async ({ auth, site, body }) => {
      const url = await endpointUrl(d, body.kind, body.url);
      const secret = body.kind === 'webhook' ? newWebhookSecret() : null;
      const { rows } = await d.pool.query(sql.insertEndpoint, [
        auth.agencyId,
        site.id,
        body.name,
        body.kind,
        url,
        body.kind === 'email' ? body.recipients : null,
        secret,
      ]);
      audit(d, auth, 'alert_endpoint.create', { endpoint_id: rows[0]!.id, site_id: site.id });
      return { ...toEndpoint(rows[0]!), secret };
    },
  );
}

function updateEndpoint(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `patch ${ENDPOINTS}/:endpointId`,
      summary: 'Change an alert endpoint; enabling it again starts its failure count over',
      tags,
      roles: ADMINS,
      params: endpointParams,
      body: z
        .object({
          name: name.optional(),
          url: z.string().trim().max(2000).optional(),
          recipients: recipients.optional(),
          enabled: z.boolean().optional(),
        })
        .strict()
        .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
        .meta({ id: 'AlertEndpointUpdate' }),
      responses: { 200: ['The endpoint', endpointSchema] },
    },
    async ({ auth, site, params, body }) => {
      if (body.url !== undefined) await endpointUrl(d, 'webhook', body.url);
      const { rows } = await d.pool.query(sql.updateEndpoint, [
        auth.agencyId,
        site.id,
        params.endpointId,
        body.name ?? null,
        body.url ?? null,
        body.recipients ?? null,
        body.enabled ?? null,
      ]);
      if (!rows[0]) throw new NotFoundError('endpoint');
      audit(d, auth, 'alert_endpoint.update', { endpoint_id: params.endpointId, site_id: site.id });
      return toEndpoint(rows[0]);
    },
  );
}

function deleteEndpoint(t: RouteTable, d: ApiDeps): void {
  const path = `${ENDPOINTS}/:endpointId` as const;
  const summary = 'Delete an alert endpoint';
  deleteRoute(t, d, { path, params: endpointParams, summary, roles: ADMINS }, sql.deleteEndpoint);
}

function rotateEndpointSecret(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `post ${ENDPOINTS}/:endpointId/rotate-secret`,
      summary: 'A new signing secret for a webhook endpoint (the old one also signs for 24 hours)',
      tags,
      roles: ADMINS,
      params: endpointParams,
      responses: { 200: ['The endpoint with its new secret', withSecret] },
    },
    async ({ auth, site, params }) => {
      const secret = newWebhookSecret();
      const until = new Date(Date.now() + 24 * 3_600_000);
      const { rows } = await d.pool.query(sql.rotateSecret, [
        auth.agencyId,
        site.id,
        params.endpointId,
        secret,
        until,
      ]);
      if (!rows[0]) throw new NotFoundError('webhook endpoint');
      audit(d, auth, 'alert_endpoint.rotate_secret', { endpoint_id: params.endpointId, site_id: site.id });
      return { ...toEndpoint(rows[0]), secret };
    },
  );
}

function registerDeliveryRoutes(t: RouteTable, d: ApiDeps): void {
  listDeliveries(t, d);
  listDeliveryAttempts(t, d);
  replayDelivery(t, d);
}

function listDeliveries(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `get ${DELIVERIES}`,
      summary: 'The delivery log of the site’s company alerts, newest first',
      tags,
      roles: WRITERS,
      query: z
        .object({
          status: z.enum(['pending', 'sending', 'retrying', 'delivered', 'dead']).optional(),
          endpoint_id: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        })
        .strict(),
      responses: { 200: ['Deliveries', z.object({ items: z.array(deliverySchema) })] },
    },
    async ({ auth, site, query }) => ({
      items: (
        await d.pool.query(sql.listDeliveries, [
          auth.agencyId,
          site.id,
          query.limit,
          query.status ?? null,
          query.endpoint_id ?? null,
        ])
      ).rows.map((r) => dates(r, ['delivered_at', 'created_at', 'last_attempt_at', 'updated_at'])),
    }),
  );
}

function listDeliveryAttempts(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `get ${DELIVERIES}/:deliveryId/attempts`,
      summary: 'Every attempt of one delivery (status code, error, latency)',
      tags,
      roles: WRITERS,
      params: deliveryParams,
      responses: {
        200: [
          'Attempts',
          z.object({
            items: z.array(
              z.object({
                attempt: z.number().int(),
                status_code: z.number().int().nullable(),
                error: z.string().nullable(),
                latency_ms: z.number().int(),
                at: z.string(),
              }),
            ),
          }),
        ],
      },
    },
    async ({ auth, site, params }) => ({
      items: (await d.pool.query(sql.deliveryAttempts, [auth.agencyId, site.id, params.deliveryId])).rows.map(
        (r) => dates(r, ['at']),
      ),
    }),
  );
}

function replayDelivery(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `post ${DELIVERIES}/:deliveryId/replay`,
      summary: 'Send a delivery again (same alert id, so receivers can drop a repeat)',
      tags,
      roles: WRITERS,
      params: deliveryParams,
      responses: { 202: ['Queued', z.object({ id: z.uuid(), status: z.literal('pending') })] },
    },
    async ({ auth, site, params }) => {
      const { rows } = await d.pool.query<{ id: string; generation: number }>(sql.replayDelivery, [
        auth.agencyId,
        site.id,
        params.deliveryId,
      ]);
      if (!rows[0]) throw new NotFoundError('delivery');
      // Without alerting in this process the stale-pending sweep of another replica picks it up.
      await d.alerts?.enqueue(rows);
      audit(d, auth, 'alert_delivery.replay', { delivery_id: params.deliveryId, site_id: site.id });
      return { id: rows[0].id, status: 'pending' as const };
    },
  );
}

type SitePath = `/v1/sites/:siteId/${string}`;
/** The admin action log's name of each kind of row a DELETE route removes. */
const DELETE_ACTIONS: Record<string, string> = { rule: 'company_alert_rule', endpoint: 'alert_endpoint' };

/** GET of the site's rows of one kind: `statement` takes $1 agency id, $2 site uuid. */
function listRoute(
  t: RouteTable,
  d: ApiDeps,
  o: {
    path: SitePath;
    summary: string;
    description: string;
    item: z.ZodType;
    statement: string;
    map: (r: Row) => unknown;
  },
): void {
  t.define(
    {
      route: `get ${o.path}`,
      summary: o.summary,
      tags,
      roles: WRITERS,
      responses: { 200: [o.description, z.object({ items: z.array(o.item) })] },
    },
    async ({ auth, site }) => ({
      items: (await d.pool.query(o.statement, [auth.agencyId, site.id])).rows.map(o.map),
    }),
  );
}

/**
 * DELETE of one row of the site, named by the one path parameter after siteId (e.g. ruleId):
 * `statement` takes $1 agency id, $2 site uuid, $3 that id. 204, or 404 naming the row; the admin
 * action log records it (`<kind>.delete`, e.g. company_alert_rule.delete, with rule_id).
 */
function deleteRoute(
  t: RouteTable,
  d: ApiDeps,
  o: { path: SitePath; params: z.ZodObject; summary: string; roles: readonly Role[] },
  statement: string,
): void {
  const key = Object.keys(o.params.shape).find((k) => k !== 'siteId')!; // ruleId, endpointId
  const what = key.replace(/Id$/, ''); // rule, endpoint
  const action = `${DELETE_ACTIONS[what]}.delete`;
  t.define(
    {
      ...{ route: `delete ${o.path}`, summary: o.summary, tags, roles: o.roles },
      params: o.params,
      responses: { 204: 'Deleted' },
    },
    async ({ auth, site, params }) => {
      const id = (params as Record<string, string>)[key]!;
      const { rowCount } = await d.pool.query(statement, [auth.agencyId, site.id, id]);
      if (!rowCount) throw new NotFoundError(what);
      audit(d, auth, action, { [`${what}_id`]: id, site_id: site.id });
      return undefined;
    },
  );
}
