import { INTERNAL_EVENTS } from '@beacon/db';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as q from '../queries/index.js';
import { funnelStats, type FunnelDef, type StoredStep } from '../queries/funnels.js';
import { pagePatternRegex } from '../queries/goals.js';
import { FUNNEL_BREAKDOWNS, type FunnelBreakdown } from '../queries/statements/funnels.js';
import * as sql from '../sql/funnels.js';
import { isoStamps, stamps } from './schemas.js';
import { byScriptId, siteResource, type SiteCaller } from './site-resource.js';
import { requestStatsDeps } from './stats-deps.js';

/**
 * Funnels (docs/conversions.md): saved per site by admins and users, read and computed by every role.
 */
const tags = ['funnels'];

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

export const funnelSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    steps: z.array(stepInput),
    window: z.union([
      z.object({ mode: z.literal('session') }),
      z.object({ mode: z.literal('visitor'), days: z.number().int() }),
    ]),
    direct: z.boolean(),
    ...stamps,
  })
  .meta({ id: 'Funnel' });

export const stepFigures = z.object({
  step: z.number().int(),
  visitors: z.number().int(),
  conversion_from_previous: z.number().nullable(),
  conversion_from_first: z.number().nullable(),
  drop_off: z.number().int(),
  median_seconds_from_previous: z.number().nullable(),
});
export const funnelStatsSchema = z
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
  ...isoStamps(r),
});

const stored = (steps: z.infer<typeof stepInput>[]): StoredStep[] =>
  steps.map((s) => (s.type === 'page' ? { ...s, page_regex: pagePatternRegex(s.page_pattern) } : s));
type FunnelInput = z.infer<typeof funnelBody>;

/** The statement values of a funnel body (insertFunnel / updateFunnel order, after the site and funnel id). */
const rowValues = (b: FunnelInput) => [
  b.name,
  JSON.stringify(stored(b.steps)),
  b.window.mode,
  b.window.mode === 'visitor' ? b.window.days : null,
  b.direct,
];

export function registerFunnelRoutes(t: RouteTable, d: ApiDeps): void {
  const funnels = siteResource<FunnelRow, typeof funnelSchema>(t, d, {
    noun: 'funnel',
    tags,
    owner: byScriptId,
    item: funnelSchema,
    toItem: toFunnel,
    uniqueName: 'the site has a funnel of that name',
  });
  // Goal steps must name goals of the same site.
  const check = (b: FunnelInput, { site }: SiteCaller) =>
    q.goalsOfSite(
      d.pool,
      site.scriptId,
      b.steps.flatMap((s) => (s.type === 'goal' ? [s.goal_id] : [])),
    );
  funnels.list({ summary: "The site's funnels", answer: 'Funnels by name', sql: sql.listFunnels });
  funnels.create({
    summary: 'Save a funnel (2-8 steps)',
    body: funnelBody,
    answer: 'The funnel',
    sql: sql.insertFunnel,
    values: rowValues,
    check,
  });
  funnels.get({ summary: 'One funnel', answer: 'The funnel', sql: sql.findFunnel });
  funnels.update({
    method: 'put',
    summary: 'Change a funnel',
    body: funnelBody,
    answer: 'The funnel',
    sql: sql.updateFunnel,
    values: rowValues,
    check,
  });
  funnels.remove({ summary: 'Delete a funnel', sql: sql.deleteFunnel });
  t.define(
    {
      route: `get ${funnels.one}/stats`,
      summary:
        'Per step: visitors, conversion from the previous and first step, drop-off, median time; optionally by one dimension',
      tags: ['stats', ...tags],
      share: 'read',
      params: funnels.params,
      query: q.statsQuery.extend({
        breakdown: z
          .enum(Object.keys(FUNNEL_BREAKDOWNS) as [FunnelBreakdown, ...FunnelBreakdown[]])
          .optional()
          .describe("the same figures per value of the unit's first event"),
      }),
      responses: { 200: ['The funnel over the range', funnelStatsSchema] },
    },
    async ({ site, params, query, res }) => {
      const { rows } = await d.pool.query<FunnelRow>(sql.findFunnel, [site.scriptId, params.funnelId]);
      return funnelStats(requestStatsDeps(d, res), site, funnels.found(rows[0]), query);
    },
  );
}
