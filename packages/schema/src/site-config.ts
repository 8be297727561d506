import { z } from 'zod';

/**
 * sites.config: per-site behaviour read by the collector (origins, consent), the tracker (cookieless,
 * Do-Not-Track), the enricher (IP anonymisation, bots) and the api (timezone of days). Unknown keys
 * are kept (forward compatible); a malformed value falls back to its default rather than stopping
 * ingestion for the site.
 */
export const siteConfigSchema = z
  .object({
    /** Hosts allowed to send hits (exact host or "*.example.com"); empty = any origin. */
    allowed_origins: z.array(z.string().min(1).max(255)).max(100).catch([]).default([]),
    /**
     * none: keep the full IP; truncate: /24 (IPv4) and /48 (IPv6); drop: no IP stored. Applied after
     * lookups. Private by default: a site without the key truncates (migration 0070 wrote 'none' into
     * the sites that existed before, so they kept their behaviour).
     */
    ip_anonymization: z.enum(['none', 'truncate', 'drop']).catch('truncate').default('truncate'),
    /** keep: store bots with visitor_type 'bot'; drop: count and discard them. */
    bot_policy: z.enum(['keep', 'drop']).catch('drop').default('drop'),
    /**
     * No cookie and no browser storage: the tracker sends no ids and the enricher derives client_id and
     * session_id from a keyed hash of site, IP and user agent with a daily salt; visitor_type privacy_user.
     */
    cookieless: z.boolean().catch(false).default(false),
    /** Honour Do-Not-Track and Global Privacy Control in the tracker (either one holds hits back like missing consent). */
    respect_dnt: z.boolean().catch(true).default(true),
    /** The tracker sends and stores nothing until the page calls beacon.consent(true). */
    require_consent: z.boolean().catch(false).default(false),
    /**
     * Months of raw events and sessions kept for this site when shorter than its agency's
     * retention_months (the shorter of the two applies); unset = the agency's.
     */
    retention_months: z.number().int().min(1).max(600).optional().catch(undefined),
    /** IANA timezone in which the site's days are counted by the dashboards. */
    timezone: z.string().min(1).max(64).catch('UTC').default('UTC'),
  })
  .passthrough();

export type SiteConfig = z.infer<typeof siteConfigSchema>;

/**
 * The switches the tracker obeys, as the collector answers `GET {batch path}?site_id=…` (the tracker
 * asks before it sends or stores anything: docs/tracker.md "Privacy switches"). Same names as
 * sites.config; packages/tracker/browser/types.ts SiteSettings reads them.
 */
export type TrackerSettings = Pick<SiteConfig, 'cookieless' | 'require_consent' | 'respect_dnt'>;

export function trackerSettings(config: SiteConfig): TrackerSettings {
  return {
    cookieless: config.cookieless,
    require_consent: config.require_consent,
    respect_dnt: config.respect_dnt,
  };
}

/** Parses a sites.config value (never throws: bad parts take their defaults). */
export function parseSiteConfig(value: unknown): SiteConfig {
  const r = siteConfigSchema.safeParse(value && typeof value === 'object' ? value : {});
  return r.success ? r.data : siteConfigSchema.parse({});
}

/** agencies.config */
export const agencyConfigSchema = z
  .object({
    /** Months of raw events and sessions kept; unset = RETENTION_MONTHS_DEFAULT. */
    retention_months: z.number().int().min(1).max(600).optional(),
  })
  .passthrough();
export type AgencyConfig = z.infer<typeof agencyConfigSchema>;
