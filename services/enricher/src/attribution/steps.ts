import { CAMPAIGN_COLUMNS, type BrowserFieldName } from '@beacon/schema';
import type { EnrichContext, Step } from '../pipeline.js';
import { channelOf } from './channel.js';
import type { CompanyLookup } from './company-db.js';
import type { AgencyRangeStore } from './company-ranges.js';
import { identifyCompany, isAnonymisingNetwork } from './company.js';
import { engagementScore } from './engagement.js';
import { normaliseLanguage } from './language.js';
import { parsePage, type PageFields } from './page.js';
import { classifyReferrer } from './referrer.js';
import type { ReferrerLists } from './referrer-lists.js';
import { visitorType } from './visitor-type.js';

/** What the attribution steps look things up in (built once per worker). */
export interface AttributionDeps {
  readonly referrers: ReferrerLists;
  /** Source (1) of company identification; null = no database (tests, tools). */
  readonly agencyRanges: AgencyRangeStore | null;
  /** Source (2) when COMPANY_MMDB_PATH is set. */
  readonly companyDb: CompanyLookup | null;
}

/** Parsed page_url of a hit, shared by the page and referral steps (no second URL parse). */
const pages = new WeakMap<EnrichContext, PageFields>();

/** A browser field of the row, or of the hit when a test's row lacks it. */
function field(ctx: EnrichContext, name: BrowserFieldName): unknown {
  const v = ctx.row[name];
  return v === undefined || v === null ? (ctx.hit as Record<string, unknown>)[name] : v;
}

function pageOf(ctx: EnrichContext): PageFields {
  let p = pages.get(ctx);
  if (!p) {
    p = parsePage(field(ctx, 'page_url'));
    pages.set(ctx, p);
  }
  return p;
}

/** page_path, utm_*, gclid, fbclid, ttclid; other click ids in properties.click_ids. */
export function pageStep(): Step {
  return {
    name: 'page',
    run(ctx) {
      const p = pageOf(ctx);
      ctx.row.page_path = p.page_path;
      for (const c of CAMPAIGN_COLUMNS) ctx.row[c] = p[c];
      if (p.click_ids) ctx.properties.click_ids = p.click_ids;
    },
  };
}

/** referrer_domain, referrer_class and channel (channel.ts documents the rules). */
export function referralStep(deps: Pick<AttributionDeps, 'referrers'>): Step {
  return {
    name: 'referral',
    run(ctx) {
      const p = pageOf(ctx);
      const r = classifyReferrer(deps.referrers, field(ctx, 'referrer'), ctx.site.domain, p.page_host);
      ctx.row.referrer_domain = r.referrer_domain;
      ctx.row.referrer_class = r.referrer_class;
      if (r.referrer_source) ctx.properties.referrer_source = r.referrer_source;
      ctx.row.channel = channelOf(deps.referrers, {
        utm_source: p.utm_source,
        utm_medium: p.utm_medium,
        utm_campaign: p.utm_campaign,
        gclid: p.gclid,
        fbclid: p.fbclid,
        ttclid: p.ttclid,
        click_ids: p.click_ids,
        referrer_class: r.referrer_class,
      });
    },
  };
}

export function languageStep(): Step {
  return {
    name: 'language',
    run(ctx) {
      ctx.row.language = normaliseLanguage(field(ctx, 'language'));
    },
  };
}

/**
 * engagement_score from the six measurements; is_bounce is left NULL: whether a visit bounced is a
 * property of its session, known only later (sessions.is_bounce, docs/metrics.md).
 */
export function engagementStep(): Step {
  return {
    name: 'engagement',
    run(ctx) {
      ctx.row.engagement_score = engagementScore({
        time_on_page: field(ctx, 'time_on_page'),
        scroll_depth: field(ctx, 'scroll_depth'),
        clicks: field(ctx, 'clicks'),
        form_submits: field(ctx, 'form_submits'),
        video_plays: field(ctx, 'video_plays'),
        file_downloads: field(ctx, 'file_downloads'),
      });
      ctx.row.is_bounce = null;
    },
  };
}

/**
 * company_* columns from the sources in order (company.ts); on the full IP, before anonymisation.
 * No IP (unknown or not forwarded) or a bot: no company.
 */
export function companyStep(deps: Pick<AttributionDeps, 'agencyRanges' | 'companyDb'>): Step {
  return {
    name: 'company',
    run(ctx) {
      const row = ctx.row;
      // A crawler's network is not a visitor's employer: bots get no company.
      const ip = ctx.isBot ? null : ctx.request.ip;
      const agencyRange = deps.agencyRanges?.lookup(ctx.site.agencyId, ip) ?? null;
      const askDb = !agencyRange && deps.companyDb && ip && !isAnonymisingNetwork(ctx.network);
      const match = ip
        ? identifyCompany({
            agencyRange,
            companyDb: askDb ? deps.companyDb!.lookup(ip) : null,
            network: ctx.network,
          })
        : null;
      // Written out on purpose, like the geo columns (a keyed copy loop measured slower, bench enricher).
      const c = match?.company;
      row.company_name = c?.name ?? null;
      row.company_domain = c?.domain ?? null;
      row.company_industry = c?.industry ?? null;
      row.company_employee_count = c?.employeeCount ?? null;
      row.company_revenue = c?.revenue ?? null;
      row.company_confidence = match?.confidence ?? null;
      row.company_source = match?.source ?? null;
    },
  };
}

/** visitor_type (visitor-type.ts holds the rules). */
export function visitorTypeStep(): Step {
  return {
    name: 'visitor_type',
    run(ctx) {
      ctx.row.visitor_type = visitorType({
        isBot: ctx.isBot,
        siteConfig: ctx.siteConfig,
        network: ctx.network,
        companyIdentified: typeof ctx.row.company_name === 'string' && ctx.row.company_name !== '',
      });
    },
  };
}

/** The attribution steps in STEP_ORDER order (pipeline.ts). */
export function attributionSteps(deps: AttributionDeps): Step[] {
  return [
    pageStep(),
    referralStep(deps),
    languageStep(),
    engagementStep(),
    companyStep(deps),
    visitorTypeStep(),
  ];
}
