/**
 * The enrichment pipeline: an ordered list of named steps, each of which reads the hit and what earlier
 * steps found in the `EnrichContext`, fills its columns of `ctx.row`, or drops the hit with a typed reason
 * (plausible `lib/plausible/ingestion/event.ex`). The worker times every step
 * (`beacon_enricher_step_duration_seconds{step}`) and counts drops by reason
 * (`beacon_enricher_dropped_total{reason}`).
 *
 * Contract between the step modules (device, network, bot, attribution/*):
 * - a step is synchronous and pure apart from its lookups (caches, in-memory databases): no I/O per hit.
 *   Work that needs Redis or PostgreSQL (site config, client-retry dedupe, dead letters) happens per job
 *   in the worker, around the steps.
 * - a step writes only its own columns of `ctx.row` (and may add keys to `ctx.properties`, which are merged
 *   into the row's `properties` jsonb at the end);
 * - a step returns `undefined` to continue or `{ drop: reason }` to stop the hit (counted, no row);
 * - a step that throws sends the hit to dead_events (stage 'enricher') with the error; its job goes on.
 * - the same input gives the same output, so a retried job yields the same rows.
 */
import type { EventRow, RawHit, RawRequest, SiteConfig } from '@beacon/schema';

/** Why a hit was dropped without a row (label `reason` of beacon_enricher_dropped_total). */
export type DropReason =
  /** A bot (isbot or data-centre rule) on a site whose bot_policy is 'drop'. */
  | 'bot'
  /** A client retry of an event (same site_id + event_id within 24 h) already claimed by another hit. */
  | 'duplicate'
  /** The site is unknown, paused or deleted by the time the hit is enriched. */
  | 'unknown_site'
  /** The hit is not usable (e.g. a page_view without page_url) but is not worth a dead letter. */
  | 'invalid';

export type StepResult = void | undefined | { readonly drop: DropReason };

/** A row of the events table under construction: every column of the field registry, null until set. */
export type { EventRow };

/** The site as the enricher caches it (sites row; `config` parsed by parseSiteConfig). */
export interface SiteInfo {
  readonly id: string;
  /** sites.script_id: the events' site_id. */
  readonly scriptId: string;
  readonly agencyId: string;
  /** sites.domain, lower-case host (used to recognise self-referrals). */
  readonly domain: string;
  readonly status: string;
}

/** Device and browser, from ua-parser-js 1.0.41 plus client hints (see device.ts). */
export interface DeviceInfo {
  readonly browser: string | null;
  readonly browserVersion: string | null;
  readonly os: string | null;
  readonly osVersion: string | null;
  /** desktop | mobile | tablet | smarttv | console | wearable | embedded (see device.ts for the mapping). */
  readonly deviceType: string;
  readonly deviceBrand: string | null;
  readonly deviceModel: string | null;
  /** The UA names a known bot/crawler (isbot). */
  readonly isBotUa: boolean;
}

/** A MaxMind GeoIP2 Enterprise / ISP / Domain record when such a database is configured. */
export interface MaxmindOrgRecord {
  readonly organization: string | null;
  readonly isp: string | null;
  readonly domain: string | null;
  /** MaxMind user_type: business, cafe, cellular, college, government, hosting, residential, ... */
  readonly userType: string | null;
  /** MaxMind connection_type: Cable/DSL, Cellular, Corporate, Satellite. */
  readonly connectionType: string | null;
}

/** What the network lookups found for the request's IP. Every field null when its source is missing. */
export interface NetworkInfo {
  readonly asn: number | null;
  readonly asnOrg: string | null;
  readonly isp: string | null;
  /** Hosting / data-centre network (Anonymous-IP DB, else bad-asn-list ASNs and X4BNet/lord-alfred ranges). */
  readonly isHosting: boolean | null;
  readonly isVpn: boolean | null;
  readonly isProxy: boolean | null;
  readonly isTor: boolean | null;
  /** The range belongs to a known crawler operator (Googlebot, Bingbot, ...: lord-alfred lists). */
  readonly isCrawlerRange: boolean;
  /** Enterprise/ISP/Domain record, only when such a MaxMind database is configured. */
  readonly maxmind: MaxmindOrgRecord | null;
}

export interface GeoInfo {
  readonly country: string | null;
  readonly countryName: string | null;
  readonly region: string | null;
  readonly city: string | null;
  readonly postalCode: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly timezone: string | null;
}

export interface EnrichContext {
  /** The hit as the collector stamped it (id, server_timestamp, event_name, wire fields). */
  readonly hit: RawHit;
  /** The request the hit came in (ip, user_agent, client_hints, origin). */
  readonly request: RawRequest;
  readonly site: SiteInfo;
  readonly siteConfig: SiteConfig;
  /** The row being built. The worker pre-fills the wire fields and nulls; steps fill derived columns. */
  readonly row: EventRow;
  /** Extra facts kept in the row's `properties` jsonb (e.g. msclkid, device_type_detail). */
  readonly properties: Record<string, unknown>;
  /** Set by the `device` step. */
  device: DeviceInfo | null;
  /** Set by the `network` step (geo and network lookups on the full IP, before anonymisation). */
  geo: GeoInfo | null;
  network: NetworkInfo | null;
  /** Set by the `bot` step. */
  isBot: boolean;
  /** Why the hit counts as a bot: 'ua' (isbot), 'crawler_range', 'datacenter_no_browser'. */
  botReason: string | null;
}

export interface Step {
  readonly name: string;
  run(ctx: EnrichContext): StepResult;
}

/**
 * The order of the steps. Each name is the `step` label of the duration histogram.
 *  1. device         UA + client hints → browser/os/device columns (device.ts)
 *  2. network        geo + ASN + ISP + hosting/VPN/proxy/Tor (network/*.ts), on the full IP
 *  3. bot            isbot or data-centre rule → ctx.isBot (bot.ts)
 *  4. bot_policy     site bot_policy 'drop' → { drop: 'bot' } (before the costlier steps)
 *  5. ...attribution steps (page, referral/utm/channel, language, engagement, company, visitor_type)
 *  6. cookieless_ids client_id from a keyed hash with a daily salt, for cookieless sites and hits
 *                    without ids (cookieless.ts; sessions assigned per job after the steps)
 *  7. anonymize_ip   site ip_anonymization none|truncate|drop, after every lookup (anonymize.ts)
 */
export const STEP_ORDER = [
  'device',
  'network',
  'bot',
  'bot_policy',
  // attribution steps go here (services/enricher/src/attribution), in this order:
  'page',
  'referral',
  'language',
  'engagement',
  'company',
  'visitor_type',
  'cookieless_ids',
  'anonymize_ip',
] as const;
export type StepName = (typeof STEP_ORDER)[number];

/** Runs the steps in order; the first drop stops the hit. Throws what a step throws. */
export function runSteps(
  steps: readonly Step[],
  ctx: EnrichContext,
  onStep?: (index: number, ms: number) => void,
): DropReason | null {
  for (let i = 0; i < steps.length; i++) {
    const started = onStep ? performance.now() : 0;
    const result = steps[i]!.run(ctx);
    if (onStep) onStep(i, performance.now() - started);
    if (result && result.drop) return result.drop;
  }
  return null;
}
