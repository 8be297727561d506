import { INTERNAL_EVENTS } from '@beacon/db';
import { z } from 'zod';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { ConflictError, NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as q from '../queries/index.js';
import { funnelStats, type FunnelDef, type StoredStep } from '../queries/funnels.js';
import { pagePatternRegex } from '../queries/goals.js';
import { FUNNEL_BREAKDOWNS, type FunnelBreakdown } from '../queries/statements/funnels.js';
import * as sql from '../sql/funnels.js';
import { iso } from './schemas.js';

/**
 * Funnels (docs/conversions.md): saved per site by admins and users, read and computed by every role.
 */
const tags = ['funnels'];
const site = '/v1/sites/:siteId';

const stepInput = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('goal'), goal_id: z.uuid() }).strict(),
    z
      .object({
        type: z.literal('page'),
        page_pattern: z
          .string()
          .trim()
          .min(1)
          .max(500)
          .regex(/^\//, 'a path starting with /, e.g. /pricing or /blog/*'),
      })
      .strict(),
    z
      .object({
        type: z.literal('event'),
        event_name: z
          .string()
          .trim()
          .min(1)
          .max(100)
          .refine((n) => n !== 'page_view', 'use a page step for page views')
          .refine(
            (n) => !(INTERNAL_EVENTS as readonly string[]).includes(n),
            'engagement and identify are measurements, not steps',
          ),
        property: z
          .object({ key: z.string().trim().min(1).max(100), value: z.string().max(500) })
          .strict()
          .optional(),
      })
      .strict(),
  ])
  .meta({ id: 'FunnelStep' });

const funnelBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    steps: z.array(stepInput).min(2).max(8),
    window: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('session') }).strict(),
        z.object({ mode: z.literal('visitor'), days: z.number().int().min(1).max(90) }).strict(),
      ])
      .describe('session: every step in one session; visitor: by visitor, within `days` of step 1'),
    direct: z
      .boolean()
      .default(false)
      .describe(
        'directly followed by: each step is the next page view (page steps) or next event after the previous',
      ),
  })
  .strict()
  .meta({ id: 'FunnelInput' });

const funnelSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    steps: z.array(stepInput),
    window: z.union([
      z.object({ mode: z.literal('session') }),
      z.object({ mode: z.literal('visitor'), days: z.number().int() }),
    ]),
    direct: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Funnel' });

const stepFigures = z.object({
  step: z.number().int(),
  visitors: z.number().int(),
  conversion_from_previous: z.number().nullable(),
  conversion_from_first: z.number().nullable(),
  drop_off: z.number().int(),
  median_seconds_from_previous: z.number().nullable(),
});
const funnelStatsSchema = z
  .object({
    funnel_id: z.uuid(),
    name: z.string(),
    window: z.string(),
    direct: z.boolean(),
    steps: z.array(stepFigures),
    breakdown: z
      .object({
        dimension: z.string(),
        items: z.array(z.object({ value: z.string().nullable(), steps: z.array(stepFigures) })),
      })
      .optional(),
  })
  .meta({ id: 'FunnelStats' });

type FunnelRow = FunnelDef & { created_at: Date; updated_at: Date };

const toFunnel = (r: FunnelRow): z.infer<typeof funnelSchema> => ({
  id: r.id,
  name: r.name,
  steps: r.steps.map((s) =>
    s.type === 'page'
      ? { type: 'page', page_pattern: s.page_pattern }
      : s.type === 'event'
        ? { type: 'event', event_name: s.event_name, ...(s.property ? { property: s.property } : {}) }
        : { type: 'goal', goal_id: s.goal_id },
  ),
  window: r.window_mode === 'session' ? { mode: 'session' } : { mode: 'visitor', days: r.window_days! },
  direct: r.direct,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

const stored = (steps: z.infer<typeof stepInput>[]): StoredStep[] =>
  steps.map((s) => (s.type === 'page' ? { ...s, page_regex: pagePatternRegex(s.page_pattern) } : s));
const conflict = (err: unknown) =>
  (err as { code?: string }).code === '23505' ? new ConflictError('the site has a funnel of that name') : err;
const funnelParams = z.object({ siteId: siteIdParam, funnelId: z.uuid() });

export function registerFunnelRoutes(t: RouteTable, d: ApiDeps): void {
  const checkGoals = (scriptId: string, body: z.infer<typeof funnelBody>) =>
    q.goalsOfSite(
      d.pool,
      scriptId,
      body.steps.flatMap((s) => (s.type === 'goal' ? [s.goal_id] : [])),
    );
  const values = (body: z.infer<typeof funnelBody>) => [
    body.name,
    JSON.stringify(stored(body.steps)),
    body.window.mode,
    body.window.mode === 'visitor' ? body.window.days : null,
    body.direct,
  ];
  t.define(
    {
      method: 'get',
      path: `${site}/funnels`,
      summary: "The site's funnels",
      tags,
      responses: {
        200: { description: 'Funnels by name', schema: z.object({ items: z.array(funnelSchema) }) },
      },
    },
    async ({ site }) => ({
      items: (await d.pool.query<FunnelRow>(sql.listFunnels, [site.scriptId])).rows.map(toFunnel),
    }),
  );
  t.define(
    {
      method: 'post',
      path: `${site}/funnels`,
      summary: 'Save a funnel (2-8 steps)',
      tags,
      roles: WRITERS,
      request: { body: funnelBody },
      responses: {
        201: { description: 'The funnel', schema: funnelSchema },
        409: { description: 'Name taken' },
      },
    },
    async ({ site, body, auth }) => {
      await checkGoals(site.scriptId, body);
      try {
        const { rows } = await d.pool.query<FunnelRow>(sql.insertFunnel, [
          site.scriptId,
          ...values(body),
          auth.userId,
        ]);
        return toFunnel(rows[0]!);
      } catch (err) {
        throw conflict(err);
      }
    },
  );
  t.define(
    {
      method: 'get',
      path: `${site}/funnels/:funnelId`,
      summary: 'One funnel',
      tags,
      request: { params: funnelParams },
      responses: { 200: { description: 'The funnel', schema: funnelSchema } },
    },
    async ({ site, params }) => {
      const { rows } = await d.pool.query<FunnelRow>(sql.findFunnel, [site.scriptId, params.funnelId]);
      if (!rows[0]) throw new NotFoundError('funnel');
      return toFunnel(rows[0]);
    },
  );
  t.define(
    {
      method: 'put',
      path: `${site}/funnels/:funnelId`,
      summary: 'Change a funnel',
      tags,
      roles: WRITERS,
      request: { params: funnelParams, body: funnelBody },
      responses: {
        200: { description: 'The funnel', schema: funnelSchema },
        409: { description: 'Name taken' },
      },
    },
    async ({ site, params, body }) => {
      await checkGoals(site.scriptId, body);
      try {
        const { rows } = await d.pool.query<FunnelRow>(sql.updateFunnel, [
          site.scriptId,
          params.funnelId,
          ...values(body),
        ]);
        if (!rows[0]) throw new NotFoundError('funnel');
        return toFunnel(rows[0]);
      } catch (err) {
        throw conflict(err);
      }
    },
  );
  t.define(
    {
      method: 'delete',
      path: `${site}/funnels/:funnelId`,
      summary: 'Delete a funnel',
      tags,
      roles: WRITERS,
      request: { params: funnelParams },
      responses: { 204: { description: 'Deleted' } },
    },
    async ({ site, params }) => {
      const { rowCount } = await d.pool.query(sql.deleteFunnel, [site.scriptId, params.funnelId]);
      if (!rowCount) throw new NotFoundError('funnel');
      return undefined;
    },
  );
  t.define(
    {
      method: 'get',
      path: `${site}/funnels/:funnelId/stats`,
      summary:
        'Per step: visitors, conversion from the previous and first step, drop-off, median time; optionally by one dimension',
      tags: ['stats', ...tags],
      request: {
        params: funnelParams,
        query: q.statsQuery.extend({
          breakdown: z
            .enum(Object.keys(FUNNEL_BREAKDOWNS) as [FunnelBreakdown, ...FunnelBreakdown[]])
            .optional()
            .describe("the same figures per value of the unit's first event"),
        }),
      },
      responses: { 200: { description: 'The funnel over the range', schema: funnelStatsSchema } },
    },
    async ({ site, params, query, res }) => {
      const { rows } = await d.pool.query<FunnelRow>(sql.findFunnel, [site.scriptId, params.funnelId]);
      if (!rows[0]) throw new NotFoundError('funnel');
      return funnelStats(
        {
          pool: d.pool,
          observe: (endpoint, seconds, source) =>
            d.metrics.queryDuration.observe({ endpoint, source }, seconds),
          onSource: (s) => res.setHeader('X-Beacon-Source', s),
        },
        site,
        rows[0],
        query,
      );
    },
  );
}
