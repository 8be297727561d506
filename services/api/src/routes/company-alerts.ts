import { z } from 'zod';
import { recordAdminAction as audit } from '../admin-actions.js';
import { ADMINS, WRITERS } from '../auth/types.js';
import { checkPublicUrl, UnsafeUrlError } from '../b2b/safe-post.js';
import { newWebhookSecret } from '../b2b/signing.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '@beacon/schema';
import { NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/company-alerts.js';
import { changesOf, emailField, iso, stamps } from './schemas.js';
import { byAgencyAndSite, siteResource, type SiteResource } from './site-resource.js';

/**
 * Company alert rules, their endpoints and the delivery log of a site (docs/company-alerts.md).
 * Every statement names the caller's agency and the site: the tenant wall is in the SQL too.
 */
const tags = ['company alerts'];
const list = (max: number, item: z.ZodType<string>) => z.array(item).max(max);
const name = z.string().trim().min(1).max(120);
const recipients = z.array(emailField).min(1).max(50);
const url = z.string().trim().max(2000);
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
    ...stamps,
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
    ...stamps,
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

type Row = { id: string } & Record<string, unknown>;
const dates = (r: Row, keys: string[]) => {
  const out = { ...r };
  for (const k of keys) out[k] = iso(r[k] as Date | null);
  delete out.site_id;
  return out;
};
const toRule = (r: Row) => dates(r, ['created_at', 'updated_at']) as z.output<typeof ruleSchema>;
const toEndpoint = (r: Row) =>
  dates(r, ['created_at', 'updated_at', 'previous_secret_until']) as z.output<typeof endpointSchema>;
type Endpoints = SiteResource<Row, typeof endpointSchema>;
const DELIVERIES = '/v1/sites/:siteId/alert-deliveries';
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

/** A rule's values after the owner (and the id, for a change), fit industries in lower case. */
const ruleValues = (b: Partial<z.output<z.ZodObject<typeof ruleFields>>>) => [
  b.name ?? null,
  b.visitor ?? null,
  b.intent_page ?? null,
  b.min_score ?? null,
  b.fit_industries?.map((s) => s.toLowerCase()) ?? null,
  b.fit_sizes ?? null,
  b.fit_countries ?? null,
  b.cooldown_h ?? null,
  b.endpoint_ids ?? null,
];

/** Rules and endpoints: the agency's and the site's; writers read them. */
const alertResource = { tags, readRoles: WRITERS, owner: byAgencyAndSite };
/** The delivery log: writers read it and replay from it. */
const deliveryRoute = { tags, roles: WRITERS };

function registerRuleRoutes(t: RouteTable, d: ApiDeps): void {
  const rules = siteResource<Row, typeof ruleSchema>(t, d, {
    noun: 'rule',
    collection: 'company-alert-rules',
    ...alertResource,
    item: ruleSchema,
    toItem: toRule,
    adminAction: { action: 'company_alert_rule', idKey: 'rule_id' },
  });
  rules.list({ summary: "The site's company alert rules", answer: 'Rules', sql: sql.listRules });
  rules.create({
    summary: 'Alert when a company visits (new, returning, high-intent page, score, fit)',
    description: 'Every condition given must hold. Fires at most once per company and cooldown window.',
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
    answer: 'The rule',
    sql: sql.insertRule,
    values: ruleValues,
  });
  rules.update({
    method: 'patch',
    summary: 'Change a company alert rule',
    body: changesOf({ ...ruleFields, enabled: z.boolean() }, 'CompanyAlertRuleUpdate'),
    answer: 'The rule',
    sql: sql.updateRule,
    values: (b) => [...ruleValues(b), b.enabled ?? null, 'min_score' in b],
  });
  rules.remove({
    summary: 'Delete a company alert rule (its alerts and delivery log go with it)',
    sql: sql.deleteRule,
  });
}

function registerEndpointRoutes(t: RouteTable, d: ApiDeps): void {
  const endpoints = siteResource<Row, typeof endpointSchema>(t, d, {
    noun: 'endpoint',
    collection: 'alert-endpoints',
    ...alertResource,
    writeRoles: ADMINS,
    item: endpointSchema,
    toItem: toEndpoint,
    adminAction: { action: 'alert_endpoint', idKey: 'endpoint_id' },
  });
  endpoints.list({
    summary: "The site's alert endpoints (webhooks, Slack, email); secrets are never shown again",
    answer: 'Endpoints',
    sql: sql.listEndpoints,
  });
  createEndpoint(t, d, endpoints);
  endpoints.update({
    method: 'patch',
    summary: 'Change an alert endpoint; enabling it again starts its failure count over',
    body: changesOf({ name, url, recipients, enabled: z.boolean() }, 'AlertEndpointUpdate'),
    check: async (b) => {
      if (b.url !== undefined) await endpointUrl(d, 'webhook', b.url);
    },
    answer: 'The endpoint',
    sql: sql.updateEndpoint,
    values: (b) => [b.name ?? null, b.url ?? null, b.recipients ?? null, b.enabled ?? null],
  });
  endpoints.remove({ summary: 'Delete an alert endpoint', sql: sql.deleteEndpoint });
  rotateEndpointSecret(t, d, endpoints);
}

function createEndpoint(t: RouteTable, d: ApiDeps, endpoints: Endpoints): void {
  t.define(
    {
      route: `post ${endpoints.base}`,
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
          url: url.optional(),
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
      const endpointUrlOrNull = await endpointUrl(d, body.kind, body.url);
      const secret = body.kind === 'webhook' ? newWebhookSecret() : null;
      const { rows } = await d.pool.query(sql.insertEndpoint, [
        auth.agencyId,
        site.id,
        body.name,
        body.kind,
        endpointUrlOrNull,
        body.kind === 'email' ? body.recipients : null,
        secret,
      ]);
      audit(d, auth, 'alert_endpoint.create', { endpoint_id: rows[0]!.id, site_id: site.id });
      return { ...toEndpoint(rows[0]!), secret };
    },
  );
}

function rotateEndpointSecret(t: RouteTable, d: ApiDeps, endpoints: Endpoints): void {
  t.define(
    {
      route: `post ${endpoints.one}/rotate-secret`,
      summary: 'A new signing secret for a webhook endpoint (the old one also signs for 24 hours)',
      tags,
      roles: ADMINS,
      params: endpoints.params,
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
      ...deliveryRoute,
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
      ...deliveryRoute,
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
      ...deliveryRoute,
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
