import { INTERNAL_EVENTS } from '@beacon/db';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as q from '../queries/index.js';
import { BUILTIN_EVENTS, GOAL_KINDS, pagePatternRegex, type GoalDef } from '../queries/goals.js';
import { goalStats } from '../queries/conversions.js';
import * as sql from '../sql/goals.js';
import { isoStamps, stamps } from './schemas.js';
import { byScriptId, siteResource } from './site-resource.js';
import { requestStatsDeps } from './stats-deps.js';

/**
 * Goals of a site (docs/conversions.md): admins and users define them, every role reads them and their
 * conversions. A goal is a definition only; its conversions are computed from events and rollups at
 * query time, so it applies to past data at once.
 */
const tags = ['goals'];
const site = '/v1/sites/:siteId';

const pagePattern = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .regex(/^\//, 'a path starting with /, e.g. /pricing, /blog/*, /docs/**')
  .refine((p) => !p.includes('***'), 'use * (one segment) or ** (any depth)');
const eventName = z.string().trim().min(1).max(100);

const goalBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    kind: z.enum(GOAL_KINDS),
    page_pattern: pagePattern
      .optional()
      .describe('kind page: the path, `*` matching one path segment and `**` any depth'),
    event_name: eventName.optional().describe('kind event: the custom event name'),
    property: z
      .object({ key: z.string().trim().min(1).max(100), value: z.string().max(500) })
      .strict()
      .optional()
      .describe('not for kind page: the event property `key` must equal `value`'),
    value: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('fixed'), amount: z.number().min(0).max(1e12) }).strict(),
        z
          .object({ mode: z.literal('event'), key: z.string().trim().min(1).max(100).default('value') })
          .strict(),
      ])
      .optional()
      .describe(
        'fixed: an amount per conversion; event: the number at `key` in the event (properties, else ecommerce_data, else lead_data)',
      ),
  })
  .strict()
  .superRefine((b, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (b.kind === 'page') {
      if (!b.page_pattern) issue('page_pattern', 'a page goal needs page_pattern');
      if (b.event_name) issue('event_name', 'a page goal has no event_name');
      if (b.property) issue('property', 'a page goal has no property condition');
      if (b.value?.mode === 'event') issue('value', 'a page view carries no value; use a fixed value');
    } else {
      if (b.page_pattern) issue('page_pattern', 'only page goals have page_pattern');
      if (b.kind === 'event' && !b.event_name) issue('event_name', 'a custom-event goal needs event_name');
      if (b.kind === 'event' && b.event_name === 'page_view')
        issue('event_name', 'page views are page goals (kind page)');
      if (b.kind === 'event' && (INTERNAL_EVENTS as readonly string[]).includes(b.event_name ?? ''))
        issue('event_name', 'engagement and identify are measurements, not conversions');
      if (b.kind !== 'event' && b.event_name)
        issue('event_name', `kind ${b.kind} is the tracker's own event; leave event_name out`);
    }
  })
  .meta({ id: 'GoalInput' });

export const goalSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(GOAL_KINDS),
    page_pattern: z.string().nullable(),
    event_name: z.string().nullable().describe('the event the goal counts (null for page goals)'),
    property: z.object({ key: z.string(), value: z.string() }).nullable(),
    value: z
      .union([
        z.object({ mode: z.literal('fixed'), amount: z.number() }),
        z.object({ mode: z.literal('event'), key: z.string() }),
      ])
      .nullable(),
    ...stamps,
  })
  .meta({ id: 'Goal' });

const goalStatsSchema = z
  .object({
    visitors: z.number().int().describe('visitors of the range (with the filters)'),
    items: z.array(
      z.object({
        goal_id: z.uuid(),
        name: z.string(),
        kind: z.string(),
        conversions: z.number().int(),
        converters: z.number().int(),
        conversion_rate: z.number().nullable(),
        value: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'GoalStats' });

type GoalRow = GoalDef & { created_at: Date; updated_at: Date };

function toGoal(r: GoalRow): z.infer<typeof goalSchema> {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    page_pattern: r.page_pattern,
    event_name: r.event_name,
    property: r.property_key === null ? null : { key: r.property_key, value: r.property_value ?? '' },
    value:
      r.value_mode === 'fixed'
        ? { mode: 'fixed', amount: Number(r.value_amount) }
        : r.value_mode === 'event'
          ? { mode: 'event', key: r.value_key! }
          : null,
    ...isoStamps(r),
  };
}

/** The statement values of a goal body (insertGoal / updateGoal order, after the site and goal id). */
function rowValues(b: z.infer<typeof goalBody>): unknown[] {
  const eventOf = b.kind === 'page' ? null : b.kind === 'event' ? b.event_name! : BUILTIN_EVENTS[b.kind];
  return [
    b.name,
    b.kind,
    b.page_pattern ?? null,
    b.page_pattern ? pagePatternRegex(b.page_pattern) : null,
    eventOf,
    b.property?.key ?? null,
    b.property?.value ?? null,
    b.value?.mode ?? 'none',
    b.value?.mode === 'fixed' ? String(b.value.amount) : null,
    b.value?.mode === 'event' ? b.value.key : null,
  ];
}

/** Goals of a site: CRUD, every statement taking the site's script_id first. */
function registerGoalCrud(t: RouteTable, d: ApiDeps): void {
  const goals = siteResource<GoalRow, typeof goalSchema>(t, d, {
    noun: 'goal',
    tags,
    owner: byScriptId,
    item: goalSchema,
    toItem: toGoal,
    uniqueName: 'the site has a goal of that name',
  });
  goals.list({ summary: "The site's goals", answer: 'Goals by name', sql: sql.listGoals });
  goals.create({
    summary: 'Define a goal (applies to past data at once)',
    body: goalBody,
    answer: 'The goal',
    sql: sql.insertGoal,
    values: rowValues,
  });
  goals.get({ summary: 'One goal', answer: 'The goal', sql: sql.findGoal });
  goals.update({
    method: 'put',
    summary: 'Change a goal (every field; stored events are not touched)',
    body: goalBody,
    answer: 'The goal',
    sql: sql.updateGoal,
    values: rowValues,
  });
  goals.remove({ summary: 'Delete a goal (stored events are not touched)', sql: sql.deleteGoal });
}

/** Conversions of the site's goals over a range (every role). */
function registerGoalStats(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `get ${site}/stats/goals`,
      summary: 'Conversions, unique converters, conversion rate and value of every goal (or of goal_id)',
      tags: ['stats', ...tags],
      share: 'read',
      query: q.statsQuery.extend({
        goal_id: z
          .union([z.uuid(), z.array(z.uuid()).max(50)])
          .transform((v) => (Array.isArray(v) ? v : [v]))
          .optional()
          .describe('only these goals (repeat the parameter); default every goal of the site'),
      }),
      responses: { 200: ['Per goal', goalStatsSchema] },
    },
    async ({ site, query, res }) => {
      const { goal_id: ids, ...rest } = query;
      const goals = ids
        ? await q.goalsOfSite(d.pool, site.scriptId, ids)
        : (await d.pool.query<GoalRow>(sql.listGoals, [site.scriptId])).rows;
      return goalStats(requestStatsDeps(d, res), site, rest as q.StatsQuery, goals);
    },
  );
}

export function registerGoalRoutes(t: RouteTable, d: ApiDeps): void {
  registerGoalCrud(t, d);
  registerGoalStats(t, d);
}
