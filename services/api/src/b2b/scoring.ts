import type pg from 'pg';
import { goalEventSql, type GoalDef } from '../queries/goals.js';
import { Params } from '../queries/params.js';
import {
  companyByDomain as companyByDomainSql,
  companyOverride as companyOverrideSql,
} from '../queries/statements/companies.js';
import * as sql from '../sql/company-alerts.js';
import * as scoreSql from '../sql/lead-scores.js';
import type { AlertRule } from './rules.js';
import { leadScore, SCORE_WINDOW_DAYS } from './score.js';

/**
 * Scoring one company on one site from its stored events (docs/lead-score.md): what the dispatcher
 * does for committed activity and the decay recompute for companies that stopped visiting.
 */

/** Events this long before an activity make the company "returning" (an earlier visit, not this one). */
const VISIT_GAP_MS = 30 * 60_000;

export interface SiteContext {
  site: {
    id: string;
    script_id: string;
    name: string;
    domain: string;
    agency_id: string;
    /** The agency's dashboard hostname: the alert's link goes there (null: DASHBOARD_PUBLIC_URL). */
    agency_hostname: string | null;
  };
  intentRegexes: string[];
  fit: { industries: string[]; sizes: string[]; countries: string[] };
  goals: GoalDef[];
  rules: AlertRule[];
}

/** The sites (by script_id) with their score settings and enabled alert rules; inactive ones left out. */
export async function loadSites(
  client: pg.ClientBase,
  scriptIds: string[],
): Promise<Map<string, SiteContext>> {
  const sites = (await client.query<SiteContext['site']>(sql.sitesByScript, [scriptIds])).rows;
  const rules = (await client.query<AlertRule>(sql.enabledRules, [sites.map((s) => s.id)])).rows;
  const out = new Map<string, SiteContext>();
  for (const site of sites) {
    const settings = (await client.query(scoreSql.getSettings, [site.script_id])).rows[0] as
      Record<string, string[]> | undefined;
    const goalIds = settings?.intent_goal_ids ?? [];
    const goals = goalIds.length
      ? (await client.query<GoalDef>(scoreSql.intentGoals, [site.script_id, goalIds])).rows
      : [];
    out.set(site.script_id, {
      site,
      intentRegexes: settings?.intent_regexes ?? [],
      fit: {
        industries: settings?.fit_industries ?? [],
        sizes: settings?.fit_sizes ?? [],
        countries: settings?.fit_countries ?? [],
      },
      goals,
      rules: rules.filter((r) => r.site_id === site.id),
    });
  }
  return out;
}

export interface CompanyFacts {
  name: string | null;
  industry: string | null;
  employee_count: string | null;
  revenue: string | null;
}

/** The agency's view of the company: its facts with its override on top; null = "not a company". */
export async function companyOf(
  client: pg.ClientBase,
  agencyId: string,
  domain: string,
): Promise<CompanyFacts | null> {
  const o = new Params();
  const override = (await client.query(companyOverrideSql(o.add(agencyId), o.add(domain)), o.values)).rows[0];
  if (override?.not_company) return null;
  const p = new Params();
  const facts = (await client.query(companyByDomainSql(p.add(agencyId), p.add(domain)), p.values)).rows[0];
  const pick = (k: keyof CompanyFacts) => (override?.[k] ?? facts?.[k] ?? null) as string | null;
  return {
    name: pick('name'),
    industry: pick('industry'),
    employee_count: pick('employee_count'),
    revenue: pick('revenue'),
  };
}

/** Which company to score, and since when its activity counts as this visit (for "returning"). */
export interface ScoreTarget {
  site_id: string;
  domain: string;
  activityFrom: Date;
  /**
   * The stored score's first and last seen: kept when every event has left the score window (the
   * company is then scored on its fit alone). Without it such a company is not scored.
   */
  stored?: { first_seen: Date; last_seen: Date };
}

export type ScoredFacts = Record<string, unknown> & {
  country: string | null;
  seen_before: boolean;
  first_ever: Date;
  last_seen: Date;
};

/**
 * Computes the company's score from its events of the last SCORE_WINDOW_DAYS and stores it with the
 * day's history row. Null when its events are gone (erased since they were committed).
 */
export async function scoreCompany(
  client: pg.ClientBase,
  ctx: SiteContext,
  g: ScoreTarget,
  company: CompanyFacts,
  now: Date,
) {
  const since = new Date(now.getTime() - SCORE_WINDOW_DAYS * 86_400_000);
  const p = new Params();
  for (const v of [
    g.site_id,
    g.domain,
    since,
    ctx.intentRegexes,
    new Date(g.activityFrom.getTime() - VISIT_GAP_MS),
  ])
    p.add(v);
  const goals = ctx.goals.length ? ctx.goals.map((goal) => goalEventSql(p, goal, 'e')).join(' OR ') : 'FALSE';
  const f = (await client.query(scoreSql.companyFacts(goals), p.values)).rows[0];
  if (!f?.first_ever) return null; // the events are gone (erased) since the writer committed them
  if (!f.last_seen) {
    if (!g.stored) return null;
    Object.assign(f, g.stored); // nothing left in the window: zero counts, the stored visit times
  }
  const score = leadScore(
    { ...f, last_seen: f.last_seen, industry: company.industry, employee_count: company.employee_count },
    ctx.fit,
    now,
  );
  await client.query(scoreSql.upsertScore, [
    g.site_id,
    g.domain,
    score.score,
    score.engagement,
    score.intent,
    score.fit,
    JSON.stringify({
      ...score.parts,
      inputs: {
        sessions: f.sessions,
        page_views: f.page_views,
        seconds: f.seconds,
        active_days: f.active_days,
        intent_views: f.intent_views,
        goal_conversions: f.goal_conversions,
      },
    }),
    f.first_seen,
    f.last_seen,
    now,
  ]);
  const { engagement, intent, fit } = score;
  await client.query(scoreSql.upsertScoreDay, [
    g.site_id,
    g.domain,
    score.score,
    engagement,
    intent,
    fit,
    now,
  ]);
  return { score, facts: f as ScoredFacts };
}
