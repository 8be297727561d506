import type pg from 'pg';
import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import { goalEventSql, type GoalDef } from '../queries/goals.js';
import { Params } from '../queries/params.js';
import {
  companyByDomain as companyByDomainSql,
  companyOverride as companyOverrideSql,
} from '../queries/statements/companies.js';
import * as sql from '../sql/company-alerts.js';
import * as scoreSql from '../sql/lead-scores.js';
import type { AlertMetrics } from './metrics.js';
import type { CompanyAlertPayload } from './payload.js';
import { cooldownWindow, ruleFires, type AlertRule } from './rules.js';
import { leadScore, SCORE_WINDOW_DAYS, type LeadScore } from './score.js';

/**
 * Outbox rows one dispatcher transaction claims: small, so alerts are queued soon after their commit
 * (a claim's deliveries are queued only after its COMMIT).
 */
const CLAIM = 25;
/** Events this long before an activity make the company "returning" (an earlier visit, not this one). */
const VISIT_GAP_MS = 30 * 60_000;

export interface Delivery {
  id: string;
  generation: number;
}

interface Activity {
  site_id: string;
  domain: string;
  ids: string[];
  events: number;
  pages: Set<string>;
  first_at: Date;
  last_at: Date;
}

interface SiteContext {
  site: { id: string; script_id: string; name: string; domain: string; agency_id: string };
  intentRegexes: string[];
  fit: { industries: string[]; sizes: string[]; countries: string[] };
  goals: GoalDef[];
  rules: AlertRule[];
}

export interface DispatcherDeps {
  pool: Pool;
  logger: Logger;
  metrics: AlertMetrics;
  dashboardUrl: string;
}

/**
 * Turns committed company activity (the writer's outbox, migration 0150) into lead scores and alerts.
 * One transaction per claim: claim outbox rows (SKIP LOCKED: replicas take different rows), recompute
 * each company's score from its stored events, insert the alerts its rules fire (unique per rule,
 * company and cooldown window) with one delivery per endpoint, delete the rows, COMMIT. A crash before
 * the COMMIT leaves the rows for the next pass and nothing else; after it, deliveries exist in the
 * database and are queued (again, if need be, by the stale-pending sweep). docs/company-alerts.md.
 */
export async function dispatchOnce(
  d: DispatcherDeps,
  now = new Date(),
): Promise<{ claimed: number; deliveries: Delivery[] }> {
  // Most passes find nothing: ask without a transaction first.
  if (!(await d.pool.query(sql.activityWaiting)).rows[0]?.waiting) return { claimed: 0, deliveries: [] };
  const client = await d.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const claimed = (await client.query(sql.claimActivity, [CLAIM])).rows;
    const deliveries: Delivery[] = [];
    if (claimed.length > 0) {
      const groups = groupActivity(claimed);
      const sites = await loadSites(client, [...new Set(groups.map((g) => g.site_id))]);
      for (const g of groups) {
        const ctx = sites.get(g.site_id);
        if (ctx) deliveries.push(...(await processCompany(d, client, ctx, g, now)));
      }
      await client.query(sql.deleteActivity, [claimed.map((r) => r.site_id), claimed.map((r) => r.id)]);
    }
    await client.query('COMMIT');
    return { claimed: claimed.length, deliveries };
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}

function groupActivity(rows: Record<string, unknown>[]): Activity[] {
  const out = new Map<string, Activity>();
  for (const r of rows) {
    const key = `${String(r.site_id)}\u0000${String(r.domain)}`;
    let g = out.get(key);
    if (!g) {
      g = {
        site_id: String(r.site_id),
        domain: String(r.domain),
        ids: [],
        events: 0,
        pages: new Set(),
        first_at: r.first_at as Date,
        last_at: r.last_at as Date,
      };
      out.set(key, g);
    }
    g.ids.push(String(r.id));
    g.events += Number(r.events);
    for (const p of r.page_paths as string[]) g.pages.add(p);
    if ((r.first_at as Date) < g.first_at) g.first_at = r.first_at as Date;
    if ((r.last_at as Date) > g.last_at) g.last_at = r.last_at as Date;
  }
  return [...out.values()];
}

async function loadSites(client: pg.ClientBase, scriptIds: string[]): Promise<Map<string, SiteContext>> {
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

interface CompanyFacts {
  name: string | null;
  industry: string | null;
  employee_count: string | null;
  revenue: string | null;
}

/** The agency's view of the company: its facts with its override on top; null = "not a company". */
async function companyOf(
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

async function scoreCompany(
  client: pg.ClientBase,
  ctx: SiteContext,
  g: Activity,
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
    new Date(g.first_at.getTime() - VISIT_GAP_MS),
  ])
    p.add(v);
  const goals = ctx.goals.length ? ctx.goals.map((goal) => goalEventSql(p, goal, 'e')).join(' OR ') : 'FALSE';
  const f = (await client.query(scoreSql.companyFacts(goals), p.values)).rows[0];
  if (!f?.last_seen) return null; // the events are gone (erased) since the writer committed them
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
  return {
    score,
    facts: f as Record<string, unknown> & {
      country: string | null;
      seen_before: boolean;
      first_ever: Date;
      last_seen: Date;
    },
  };
}

async function processCompany(
  d: DispatcherDeps,
  client: pg.ClientBase,
  ctx: SiteContext,
  g: Activity,
  now: Date,
): Promise<Delivery[]> {
  const company = await companyOf(client, ctx.site.agency_id, g.domain);
  if (!company) return [];
  const scored = await scoreCompany(client, ctx, g, company, now);
  if (!scored || ctx.rules.length === 0) return [];
  const intentPage = [...g.pages].some((path) => ctx.intentRegexes.some((re) => new RegExp(re).test(path)));
  const facts = {
    returning: scored.facts.seen_before,
    intent_page: intentPage,
    score: scored.score.score,
    industry: company.industry,
    employee_count: company.employee_count,
    country: scored.facts.country,
  };
  const fired = ctx.rules.filter((r) => ruleFires(r, facts));
  if (fired.length === 0) return [];
  const base = await payloadOf(d, client, ctx, g, company, scored, facts, now);
  const alerts = (
    await client.query<{ id: string }>(sql.insertAlerts, [
      fired.map((r) => r.id),
      ctx.site.id,
      g.domain,
      fired.map((r) => cooldownWindow(g.last_at, r.cooldown_h)),
      fired.map((r) =>
        JSON.stringify({ ...base, rule: { id: r.id, name: r.name } } satisfies CompanyAlertPayload),
      ),
    ])
  ).rows;
  if (alerts.length === 0) return []; // every rule already fired for this company in its window
  d.metrics.fired.inc(alerts.length);
  return (await client.query<Delivery>(sql.insertDeliveries, [alerts.map((a) => a.id)])).rows;
}

async function payloadOf(
  d: DispatcherDeps,
  client: pg.ClientBase,
  ctx: SiteContext,
  g: Activity,
  company: CompanyFacts,
  scored: { score: LeadScore; facts: { country: string | null; first_ever: Date; last_seen: Date } },
  facts: { returning: boolean; intent_page: boolean },
  now: Date,
): Promise<Omit<CompanyAlertPayload, 'rule'>> {
  const since = new Date(now.getTime() - SCORE_WINDOW_DAYS * 86_400_000);
  const pages = (await client.query(scoreSql.pagesSeen, [g.site_id, g.domain, since])).rows;
  return {
    type: 'company.alert',
    site: { id: ctx.site.id, name: ctx.site.name, domain: ctx.site.domain },
    company: { domain: g.domain, ...company, country: scored.facts.country },
    score: scored.score,
    activity: {
      first_at: g.first_at.toISOString(),
      last_at: g.last_at.toISOString(),
      events: g.events,
      pages: [...g.pages],
      ...facts,
    },
    pages_seen: pages as { path: string; views: number }[],
    first_visit: new Date(scored.facts.first_ever).toISOString(),
    last_visit: new Date(scored.facts.last_seen).toISOString(),
    dashboard_url: `${d.dashboardUrl.replace(/\/+$/, '')}/sites/${ctx.site.id}/companies/${encodeURIComponent(g.domain)}`,
  };
}
