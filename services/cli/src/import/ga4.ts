import { createHash } from 'node:crypto';
import { EVENT_COLUMN_NAMES, type UncheckedEventRow } from '@beacon/schema';

/**
 * One row of a GA4 BigQuery export (newline-delimited JSON, Google's documented `events_*` schema)
 * mapped onto an events row. The id is a UUIDv7 whose time is the event's and whose random part is a
 * hash of the source row, so importing the same file again finds every row already stored.
 */

type Json = Record<string, unknown>;
/** An events row for the writer: the field registry's column names (values checked by PostgreSQL). */
export type EventRow = UncheckedEventRow;

/** Top-level fields of the export this importer reads; any other is counted as unmapped. */
const MAPPED_FIELDS = new Set([
  'event_date',
  'event_timestamp',
  'event_name',
  'event_params',
  'user_id',
  'user_pseudo_id',
  'device',
  'geo',
  'traffic_source',
  'collected_traffic_source',
  'ecommerce',
  'items',
  'event_bundle_sequence_id',
  'user_properties',
  'platform',
  'stream_id',
]);
/** event_params that become columns. */
const PARAM_COLUMNS = new Set([
  'page_location',
  'page_referrer',
  'page_title',
  'ga_session_id',
  'ga_session_number',
  'engagement_time_msec',
  'session_engaged',
]);

export const EMPTY: EventRow = Object.fromEntries(EVENT_COLUMN_NAMES.map((c) => [c, null]));
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown, max: number): string | null =>
  typeof v === 'string' && v !== ''
    ? v.slice(0, max)
    : typeof v === 'number'
      ? String(v).slice(0, max)
      : null;

/** GA4's `{key, value: {string_value | int_value | float_value | double_value}}` list as an object. */
export function paramsOf(list: unknown): Json {
  const out: Json = {};
  if (!Array.isArray(list)) return out;
  for (const p of list) {
    if (!isObject(p) || typeof p.key !== 'string' || !isObject(p.value)) continue;
    const v = p.value;
    out[p.key] =
      v.string_value ??
      (v.int_value !== undefined && v.int_value !== null ? Number(v.int_value) : undefined) ??
      v.double_value ??
      v.float_value ??
      null;
  }
  return out;
}

/** UUIDv7 layout: 48 bits of ms, version 7, variant 10, the rest from the hash. */
export function importId(ms: number, key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  const t = Math.max(0, Math.min(ms, 2 ** 48 - 1))
    .toString(16)
    .padStart(12, '0');
  const variant = ((parseInt(h[3]!, 16) & 3) | 8).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h.slice(0, 3)}-${variant}${h.slice(4, 7)}-${h.slice(7, 19)}`;
}

export interface MapResult {
  row?: EventRow;
  /** Why the row could not be mapped. */
  error?: string;
  /** Top-level fields present but not mapped. */
  unmapped: string[];
}

export function mapGa4Row(line: string, siteId: string): MapResult {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return { error: 'not JSON', unmapped: [] };
  }
  if (!isObject(r)) return { error: 'not a JSON object', unmapped: [] };
  const unmapped = Object.keys(r).filter((k) => !MAPPED_FIELDS.has(k) && r[k] !== null);
  const micros = Number(r.event_timestamp);
  if (!Number.isFinite(micros) || micros <= 0) return { error: 'no event_timestamp', unmapped };
  if (typeof r.event_name !== 'string' || r.event_name === '') return { error: 'no event_name', unmapped };
  const ms = Math.trunc(micros / 1000);
  const params = paramsOf(r.event_params);
  const device = isObject(r.device) ? r.device : {};
  const web = isObject(device.web_info) ? device.web_info : {};
  const geo = isObject(r.geo) ? r.geo : {};
  const source = isObject(r.collected_traffic_source) ? r.collected_traffic_source : {};
  const pseudo = str(r.user_pseudo_id, 100);
  const properties: Json = { intake: 'ga4_import' };
  for (const [k, v] of Object.entries(params)) if (!PARAM_COLUMNS.has(k)) properties[k] = v;
  if (Array.isArray(r.user_properties) && r.user_properties.length)
    properties.user_properties = paramsOf(r.user_properties);
  const ecommerce: Json = isObject(r.ecommerce) ? { ...r.ecommerce } : {};
  if (Array.isArray(r.items) && r.items.length) ecommerce.items = r.items;
  const category = str(device.category, 20)?.toLowerCase() ?? null;
  const row: EventRow = { ...EMPTY };
  row.id = importId(ms, `${siteId}\n${line}`);
  row.site_id = siteId;
  row.event_name = r.event_name === 'page_view' ? 'page_view' : r.event_name.slice(0, 100);
  row.timestamp = ms;
  row.server_timestamp = new Date(ms).toISOString();
  row.client_id = pseudo;
  row.user_id = str(r.user_id, 100);
  row.session_id =
    params.ga_session_id != null && pseudo ? `${pseudo}:${params.ga_session_id}`.slice(0, 100) : null;
  row.session_number = typeof params.ga_session_number === 'number' ? params.ga_session_number : null;
  row.device_type = category;
  row.device_brand = str(device.mobile_brand_name, 50);
  row.device_model = str(device.mobile_model_name, 100);
  row.os = str(device.operating_system, 50);
  row.os_version = str(device.operating_system_version, 20);
  row.browser = str(web.browser, 50) ?? str(device.web_info_browser, 50);
  row.browser_version = str(web.browser_version, 20);
  row.language = str(device.language, 10);
  row.country_name = str(geo.country, 100);
  row.region = str(geo.region, 100);
  row.city = str(geo.city, 100);
  row.page_url = str(params.page_location, 8192);
  if (typeof row.page_url === 'string') {
    try {
      row.page_path = new URL(row.page_url).pathname;
    } catch {
      row.page_path = null;
    }
  }
  row.page_title = str(params.page_title, 500);
  row.referrer = str(params.page_referrer, 8192);
  if (typeof row.referrer === 'string') {
    try {
      row.referrer_domain = new URL(row.referrer).hostname
        .toLowerCase()
        .replace(/^www\./, '')
        .slice(0, 255);
    } catch {
      row.referrer_domain = null;
    }
  }
  row.utm_source = str(source.manual_source, 255);
  row.utm_medium = str(source.manual_medium, 255);
  row.utm_campaign = str(source.manual_campaign_name, 255);
  row.utm_term = str(source.manual_term, 255);
  row.utm_content = str(source.manual_content, 255);
  row.gclid = str(source.gclid, 255);
  row.time_on_page =
    typeof params.engagement_time_msec === 'number' ? Math.round(params.engagement_time_msec / 1000) : null;
  row.ecommerce_data = Object.keys(ecommerce).length ? ecommerce : null;
  row.properties = properties;
  return { row, unmapped };
}
