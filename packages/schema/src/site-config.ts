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
    /** none: keep the full IP; truncate: /24 (IPv4) and /48 (IPv6); drop: no IP stored. Applied after lookups. */
    ip_anonymization: z.enum(['none', 'truncate', 'drop']).catch('none').default('none'),
    /** keep: store bots with visitor_type 'bot'; drop: count and discard them. */
    bot_policy: z.enum(['keep', 'drop']).catch('drop').default('drop'),
    /** No client_id cookie: the tracker keeps ids in memory per page load; visitor_type privacy_user. */
    cookieless: z.boolean().catch(false).default(false),
    /** Honour Do-Not-Track and Global Privacy Control in the tracker. */
    respect_dnt: z.boolean().catch(true).default(true),
    /** The tracker sends nothing until the page calls beacon.consent(true). */
    require_consent: z.boolean().catch(false).default(false),
    /** IANA timezone in which the site's days are counted by the dashboards. */
    timezone: z.string().min(1).max(64).catch('UTC').default('UTC'),
    /** ISO 4217 code of the site's revenue; purchases in other currencies are reported apart. */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .catch('USD')
      .default('USD'),
  })
  .passthrough();

export type SiteConfig = z.infer<typeof siteConfigSchema>;

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
