import { CAMPAIGN_COLUMNS } from '@beacon/schema';
import { EMPTY, importId, type EventRow, type MapResult } from './ga4.js';

/**
 * One row of Umami's `website_event` table (as its data export or `\copy ... to csv header` writes it,
 * with Umami's documented column names), optionally joined with its `session` columns (browser, os,
 * device, screen, language, country, region, city). Umami's event_type 1 is a page view, 2 a custom
 * event named event_name.
 */

/** Columns this importer reads; others present are reported as unmapped. */
const MAPPED = new Set([
  'event_id',
  'website_id',
  'session_id',
  'visit_id',
  'created_at',
  'hostname',
  'url_path',
  'url_query',
  'referrer_path',
  'referrer_query',
  'referrer_domain',
  'page_title',
  'event_type',
  'event_name',
  ...CAMPAIGN_COLUMNS,
  'browser',
  'os',
  'device',
  'screen',
  'language',
  'country',
  'region',
  'city',
]);

const cut = (v: string | undefined, max: number): string | null => (v ? v.slice(0, max) : null);

export function mapUmamiRecord(rec: Record<string, string>, siteId: string, domain: string): MapResult {
  const unmapped = Object.keys(rec).filter((k) => !MAPPED.has(k) && rec[k] !== '');
  const ms = Date.parse(rec.created_at ?? '');
  if (!Number.isFinite(ms)) return { error: 'no created_at', unmapped };
  const type = rec.event_type ?? '1';
  const name = type === '1' ? 'page_view' : rec.event_name;
  if (!name) return { error: 'custom event without event_name', unmapped };
  const host = rec.hostname || domain;
  const row: EventRow = { ...EMPTY };
  row.id = importId(ms, `${siteId}\numami\n${rec.event_id ?? JSON.stringify(rec)}`);
  row.site_id = siteId;
  row.event_id = cut(rec.event_id, 100);
  row.event_name = name.slice(0, 100);
  row.timestamp = ms;
  row.server_timestamp = new Date(ms).toISOString();
  row.session_id = cut(rec.visit_id || rec.session_id, 100);
  row.client_id = cut(rec.session_id, 100);
  if (rec.url_path) {
    row.page_path = rec.url_path;
    row.page_url = `https://${host}${rec.url_path}${rec.url_query ? `?${rec.url_query}` : ''}`;
  }
  row.page_title = cut(rec.page_title, 500);
  if (rec.referrer_domain) {
    row.referrer_domain = rec.referrer_domain
      .toLowerCase()
      .replace(/^www\./, '')
      .slice(0, 255);
    row.referrer = `https://${rec.referrer_domain}${rec.referrer_path ?? ''}${rec.referrer_query ? `?${rec.referrer_query}` : ''}`;
  }
  row.utm_source = cut(rec.utm_source, 255);
  row.utm_medium = cut(rec.utm_medium, 255);
  row.utm_campaign = cut(rec.utm_campaign, 255);
  row.utm_content = cut(rec.utm_content, 255);
  row.utm_term = cut(rec.utm_term, 255);
  row.gclid = cut(rec.gclid, 255);
  row.fbclid = cut(rec.fbclid, 255);
  row.ttclid = cut(rec.ttclid, 255);
  row.browser = cut(rec.browser, 50);
  row.os = cut(rec.os, 50);
  row.device_type = cut(rec.device, 20);
  row.screen_resolution = cut(rec.screen, 20);
  row.language = cut(rec.language, 10);
  row.country = rec.country && /^[A-Z]{2}$/i.test(rec.country) ? rec.country.toUpperCase() : null;
  row.region = cut(rec.region, 100);
  row.city = cut(rec.city, 100);
  row.properties = { intake: 'umami_import' };
  return { row, unmapped };
}
