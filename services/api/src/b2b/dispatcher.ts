import type pg from 'pg';
import { inTransaction, type Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import * as sql from '../sql/company-alerts.js';
import * as scoreSql from '../sql/lead-scores.js';
import type { AlertMetrics } from '@beacon/observability';
import type { CompanyAlertPayload } from './payload.js';
import { dashboardUrlOf } from '../email/links.js';
import { cooldownWindow, ruleFires } from './rules.js';
import { SCORE_WINDOW_DAYS, type LeadScore } from './score.js';
import { companyOf, loadSites, scoreCompany, type CompanyFacts, type SiteContext } from './scoring.js';

/**
 * Outbox rows of one site one dispatcher transaction claims: small, so alerts are queued soon after
 * their commit (a claim's deliveries are queued only after its COMMIT).
 */
const CLAIM = 25;
/** Sites with waiting activity one pass looks at (the oldest activity first); the next pass takes the rest. */
const SITES_PER_PASS = 100;

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

export interface DispatcherDeps {
  pool: Pool;
  logger: Logger;
  metrics: AlertMetrics;
  dashboardUrl: string;
}

/**
 * Turns committed company activity (the writer's outbox, migration 0150) into lead scores and alerts.
 * First the sites with waiting rows (a plain read), then one transaction per site: claim that site's
 * rows (SKIP LOCKED: replicas take different rows; one site per claim statement, as Citus requires of
 * FOR UPDATE on a distributed table), recompute each company's score from its stored events, insert
 * the alerts its rules fire (unique per rule, company and cooldown window) with one delivery per
 * endpoint, delete the rows, COMMIT. A crash before the COMMIT leaves the rows for the next pass and
 * nothing else; after it, deliveries exist in the database and are queued (`onCommit`, and again, if
 * need be, by the stale-pending sweep). docs/company-alerts.md.
 */
export async function dispatchOnce(
  d: DispatcherDeps,
  now = new Date(),
  onCommit?: (deliveries: Delivery[]) => Promise<void>,
): Promise<{ claimed: number; deliveries: Delivery[] }> {
  const sites = (await d.pool.query<{ site_id: string }>(sql.activitySites, [SITES_PER_PASS])).rows;
  let claimed = 0;
  const deliveries: Delivery[] = [];
  for (const { site_id } of sites) {
    const r = await dispatchSite(d, site_id, now);
    claimed += r.claimed;
    deliveries.push(...r.deliveries);
    await onCommit?.(r.deliveries);
  }
  return { claimed, deliveries };
}

/** One claim of one site's outbox rows, in one transaction (see dispatchOnce). */
async function dispatchSite(
  d: DispatcherDeps,
  siteId: string,
  now: Date,
): Promise<{ claimed: number; deliveries: Delivery[] }> {
  return inTransaction(d.pool, async (client) => {
    const claimed = (await client.query(sql.claimActivity, [siteId, CLAIM])).rows;
    const deliveries: Delivery[] = [];
    if (claimed.length > 0) {
      const ctx = (await loadSites(client, [siteId])).get(siteId);
      for (const g of ctx ? groupActivity(claimed) : [])
        deliveries.push(...(await processCompany(d, client, ctx!, g, now)));
      await client.query(sql.deleteActivity, [siteId, claimed.map((r) => r.id)]);
    }
    return { claimed: claimed.length, deliveries };
  });
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

async function processCompany(
  d: DispatcherDeps,
  client: pg.ClientBase,
  ctx: SiteContext,
  g: Activity,
  now: Date,
): Promise<Delivery[]> {
  const company = await companyOf(client, ctx.site.agency_id, g.domain);
  if (!company) return [];
  const scored = await scoreCompany(
    client,
    ctx,
    { site_id: g.site_id, domain: g.domain, activityFrom: g.first_at },
    company,
    now,
  );
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
    dashboard_url: `${dashboardUrlOf(d.dashboardUrl, ctx.site.agency_hostname)}/sites/${ctx.site.id}/companies/${encodeURIComponent(g.domain)}`,
  };
}
