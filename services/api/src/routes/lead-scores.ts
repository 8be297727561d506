import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { pagePatternRegex } from '../queries/goals.js';
import { companyDomainParam } from '../queries/schemas.js';
import * as sql from '../sql/lead-scores.js';
import { iso } from './schemas.js';

/**
 * Lead score settings of a site and the score of a company (docs/lead-score.md). Scores are computed
 * by the alert dispatcher as visits are committed; these routes read them and set what counts as
 * intent and fit.
 */
const tags = ['companies'];
const text = (max: number) => z.string().trim().min(1).max(max);
const pattern = text(300).regex(/^\//, 'a page path pattern starting with /, e.g. /pricing or /demo/**');

const settingsBody = z
  .object({
    intent_pages: z.array(pattern).max(50).default([]),
    intent_goal_ids: z.array(z.uuid()).max(50).default([]),
    fit_industries: z.array(text(100)).max(50).default([]),
    fit_sizes: z.array(text(50)).max(20).default([]),
    fit_countries: z
      .array(
        z
          .string()
          .trim()
          .toUpperCase()
          .regex(/^[A-Z]{2}$/, 'ISO country code'),
      )
      .max(250)
      .default([]),
  })
  .strict()
  .meta({ id: 'LeadScoreSettingsInput' });

const settingsSchema = z
  .object({
    intent_pages: z.array(z.string()),
    intent_goal_ids: z.array(z.string()),
    fit_industries: z.array(z.string()),
    fit_sizes: z.array(z.string()),
    fit_countries: z.array(z.string()),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'LeadScoreSettings' });

const partsSchema = z.record(z.string(), z.unknown()).meta({ id: 'LeadScoreParts' });
export const scoreSchema = z
  .object({
    score: z.number().int(),
    engagement: z.number().int(),
    intent: z.number().int(),
    fit: z.number().int(),
    parts: partsSchema,
    first_seen: z.string(),
    last_seen: z.string(),
    computed_at: z.string(),
  })
  .meta({ id: 'LeadScore' });

const SETTINGS = '/v1/sites/:siteId/lead-score/settings';

const EMPTY = {
  intent_pages: [],
  intent_goal_ids: [],
  fit_industries: [],
  fit_sizes: [],
  fit_countries: [],
  updated_at: null,
};

type SettingsRow = Omit<z.infer<typeof settingsSchema>, 'updated_at'> & { updated_at: Date };
const toSettings = (r: SettingsRow) => ({
  intent_pages: r.intent_pages,
  intent_goal_ids: r.intent_goal_ids,
  fit_industries: r.fit_industries,
  fit_sizes: r.fit_sizes,
  fit_countries: r.fit_countries,
  updated_at: iso(r.updated_at),
});

export function registerLeadScoreRoutes(t: RouteTable, d: ApiDeps): void {
  getScoreSettings(t, d);
  putScoreSettings(t, d);
  getCompanyScore(t, d);
}

function getScoreSettings(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `get ${SETTINGS}`,
      summary: "The site's lead score settings (intent pages and goals, fit rules)",
      tags,
      responses: { 200: ['The settings', settingsSchema] },
    },
    async ({ site }) => {
      const row = (await d.pool.query<SettingsRow>(sql.getSettings, [site.scriptId])).rows[0];
      return row ? toSettings(row) : EMPTY;
    },
  );
}

function putScoreSettings(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `put ${SETTINGS}`,
      summary: 'Set what counts as intent and fit in the lead score of the site',
      description:
        'Intent pages are page patterns as goals use them (`*` one path segment, `**` any depth); ' +
        'intent goals must be goals of this site (others are dropped). Scores change as companies ' +
        'visit again (docs/lead-score.md).',
      tags,
      roles: ADMINS,
      body: settingsBody,
      responses: { 200: ['The settings', settingsSchema] },
    },
    async ({ auth, site, body }) => {
      const industries = body.fit_industries.map((s) => s.toLowerCase());
      const { rows } = await d.pool.query<SettingsRow>(sql.putSettings, [
        site.scriptId,
        body.intent_pages,
        body.intent_pages.map(pagePatternRegex),
        body.intent_goal_ids,
        industries,
        body.fit_sizes,
        body.fit_countries,
      ]);
      recordAdminAction(d, auth, 'lead_score.settings', { site_id: site.id });
      return toSettings(rows[0]!);
    },
  );
}

function getCompanyScore(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/sites/:siteId/lead-scores/:domain',
      summary: "A company's lead score with its parts and its daily history",
      tags,
      share: 'read',
      params: z.object({ siteId: siteIdParam, domain: companyDomainParam }),
      query: z.object({ days: z.coerce.number().int().min(1).max(400).default(90) }).strict(),
      responses: {
        200: [
          'Score and history',
          z
            .object({
              score: scoreSchema
                .nullable()
                .meta({ description: 'null: not scored yet (no committed visit since scoring began)' }),
              history: z.array(
                z.object({
                  day: z.string(),
                  score: z.number().int(),
                  engagement: z.number().int(),
                  intent: z.number().int(),
                  fit: z.number().int(),
                }),
              ),
            })
            .meta({ id: 'LeadScoreDetail' }),
        ],
      },
    },
    async ({ site, params, query }) => {
      const domain = params.domain.toLowerCase();
      const row = (await d.reads().query(sql.scoreOf, [site.scriptId, domain])).rows[0];
      // A company seen before scoring began (or not at all) has no score yet: an answer, not an error.
      if (!row) return { score: null, history: [] };
      const history = (await d.reads().query(sql.scoreHistory, [site.scriptId, domain, query.days])).rows;
      return {
        score: {
          ...row,
          first_seen: iso(row.first_seen),
          last_seen: iso(row.last_seen),
          computed_at: iso(row.computed_at),
        },
        history,
      };
    },
  );
}
