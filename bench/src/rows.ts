import { EVENT_COLUMNS, mulberry32, pick, type UncheckedEventRow } from '@beacon/schema';
import { v7 as uuidv7 } from 'uuid';
import { pickSkewed } from './random.js';

/**
 * Events-like rows for benchmarks, close to what the enricher produces: ~110-character page URLs,
 * real user agents, a referrer on half the rows, UTM on a quarter, a company on 30%, a small
 * `properties` object always and ecommerce data on 5%. Sessions have ~5 events each.
 */
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
];
type Device = readonly [string, string | null, string | null, string, string, string, string | null];
const DEVICES: readonly Device[] = [
  ['desktop', null, null, 'Chrome', '131.0.0.0', 'Windows', '10'],
  ['desktop', 'Apple', 'Macintosh', 'Safari', '17.6', 'macOS', '10.15.7'],
  ['mobile', 'Apple', 'iPhone', 'Mobile Safari', '17.6', 'iOS', '17.6'],
  ['mobile', 'Samsung', 'SM-S918B', 'Chrome', '131.0.0.0', 'Android', '14'],
  ['desktop', null, null, 'Firefox', '133.0', 'Ubuntu', null],
  ['tablet', 'Apple', 'iPad', 'Mobile Safari', '17.6', 'iOS', '17.6'],
];
type Geo = readonly [string, string, string, string, string, number, number, string];
const GEO: readonly Geo[] = [
  ['US', 'United States', 'California', 'San Francisco', '94107', 37.7749, -122.4194, 'America/Los_Angeles'],
  ['GB', 'United Kingdom', 'England', 'London', 'EC1A', 51.5072, -0.1276, 'Europe/London'],
  ['DE', 'Germany', 'Berlin', 'Berlin', '10115', 52.52, 13.405, 'Europe/Berlin'],
  ['FR', 'France', 'Ile-de-France', 'Paris', '75001', 48.8566, 2.3522, 'Europe/Paris'],
  ['JP', 'Japan', 'Tokyo', 'Tokyo', '100-0001', 35.6762, 139.6503, 'Asia/Tokyo'],
];
const REFERRERS = [
  'www.google.com',
  'news.ycombinator.com',
  'www.linkedin.com',
  't.co',
  'duckduckgo.com',
  'www.bing.com',
  'github.com',
  'chatgpt.com',
];
const COMPANIES = [
  ['Acme Corporation', 'acme.example', 'Manufacturing', '1000-4999', '$100M-$500M'],
  ['Globex GmbH', 'globex.example', 'Software', '200-499', '$10M-$50M'],
  ['Initech', 'initech.example', 'Financial Services', '50-199', '$1M-$10M'],
  ['Umbrella plc', 'umbrella.example', 'Pharmaceuticals', '10000+', '$1B+'],
] as const;
const CAMPAIGNS = [
  ['google', 'cpc', 'winter_sale'],
  ['newsletter', 'email', 'weekly_digest'],
  ['linkedin', 'social', 'b2b_launch'],
] as const;
const EVENT_NAMES = [
  'page_view',
  'page_view',
  'page_view',
  'page_view',
  'click',
  'scroll',
  'form_submit',
  'purchase',
];

export interface GenerateOptions {
  seed?: number;
  siteIds: readonly string[];
  /** Rows spread over [from, to). */
  from: Date;
  to: Date;
  /** Number of distinct pages per site. */
  pages?: number;
  eventsPerSession?: number;
}

/** A generated events row: the field registry's column names (a misspelt one does not compile). */
export type Row = UncheckedEventRow;

/** Generates `count` rows in time order. */
export function* generateRows(count: number, opts: GenerateOptions): Generator<Row> {
  const r = mulberry32(opts.seed ?? 42);
  const pages = Array.from(
    { length: opts.pages ?? 2000 },
    (_, i) => `/products/category-${i % 40}/item-${i}-${'x'.repeat(30 + (i % 20))}`,
  );
  const span = opts.to.getTime() - opts.from.getTime();
  const perSession = opts.eventsPerSession ?? 5;
  let session = '';
  let client = '';
  let left = 0;
  let site = opts.siteIds[0]!;
  let device = DEVICES[0]!;
  let geo = GEO[0]!;
  let ua = UAS[0]!;
  let company: (typeof COMPANIES)[number] | null = null;
  let campaign: (typeof CAMPAIGNS)[number] | null = null;
  let referrer: string | null = null;
  for (let i = 0; i < count; i++) {
    if (left === 0) {
      // 1 .. 2*perSession-1 events (mean perSession). floor(r*2n) - 1 could be -1 and leave `left`
      // below zero for good: every later row then fell into one endless session of one site.
      left = Math.max(1, Math.floor(r() * perSession * 2));
      site = pickSkewed(r, opts.siteIds, 2);
      session = `s${Math.floor(r() * 1e12).toString(36)}${i.toString(36)}`;
      client = `c${Math.floor(r() * 1e9).toString(36)}`;
      const d = Math.floor(r() * DEVICES.length);
      device = DEVICES[d]!;
      ua = UAS[d]!;
      geo = pick(r, GEO);
      company = r() < 0.3 ? pick(r, COMPANIES) : null;
      campaign = r() < 0.25 ? pick(r, CAMPAIGNS) : null;
      referrer = r() < 0.5 ? pick(r, REFERRERS) : null;
    }
    left--;
    const ts = new Date(opts.from.getTime() + Math.floor((i / count) * span));
    const path = pickSkewed(r, pages, 3);
    const eventName = pick(r, EVENT_NAMES);
    const query = campaign
      ? `?utm_source=${campaign[0]}&utm_medium=${campaign[1]}&utm_campaign=${campaign[2]}`
      : '';
    yield {
      id: uuidv7({ msecs: ts.getTime() }),
      site_id: site,
      event_id: `e${i.toString(36)}`,
      event_name: eventName,
      timestamp: ts.getTime() - 150,
      server_timestamp: ts.toISOString(),
      client_id: client,
      session_id: session,
      session_number: 1 + Math.floor(r() * 5),
      user_id: null,
      email_hash: null,
      phone_hash: null,
      user_agent: ua,
      device_type: device[0],
      device_brand: device[1],
      device_model: device[2],
      browser: device[3],
      browser_version: device[4],
      os: device[5],
      os_version: device[6],
      screen_resolution: '1920x1080',
      viewport_size: '1536x864',
      device_pixel_ratio: 1.25,
      ip_address: `203.0.113.${Math.floor(r() * 255)}`,
      country: geo[0],
      country_name: geo[1],
      region: geo[2],
      city: geo[3],
      postal_code: geo[4],
      latitude: geo[5],
      longitude: geo[6],
      timezone: geo[7],
      isp: company ? null : 'Example Broadband',
      organization: company ? company[0] : 'Example Broadband',
      asn: company ? 'AS64496' : 'AS64510',
      company_name: company?.[0] ?? null,
      company_domain: company?.[1] ?? null,
      company_industry: company?.[2] ?? null,
      company_employee_count: company?.[3] ?? null,
      company_revenue: company?.[4] ?? null,
      visitor_type: company ? 'business' : 'consumer',
      is_vpn: false,
      is_proxy: false,
      is_hosting: false,
      page_url: `https://shop.example.com${path}${query}`,
      page_title: `Item ${path.length} | Example Shop`,
      page_path: path,
      referrer: referrer ? `https://${referrer}/` : null,
      referrer_domain: referrer ? referrer.replace(/^www\./, '') : null,
      utm_source: campaign?.[0] ?? null,
      utm_medium: campaign?.[1] ?? null,
      utm_campaign: campaign?.[2] ?? null,
      utm_content: null,
      utm_term: null,
      gclid: null,
      fbclid: null,
      ttclid: null,
      language: 'en-US',
      time_on_page: Math.floor(r() * 300),
      scroll_depth: Math.floor(r() * 101),
      clicks: Math.floor(r() * 10),
      form_submits: eventName === 'form_submit' ? 1 : 0,
      video_plays: 0,
      file_downloads: 0,
      engagement_score: Math.round(r() * 10000) / 100,
      is_bounce: false,
      ecommerce_data:
        eventName === 'purchase' || r() < 0.05
          ? { order_id: `o${i}`, revenue: 49.9, currency: 'EUR', items: 2 }
          : null,
      lead_data: null,
      properties: { plan: pick(r, ['free', 'pro', 'team']), ab: r() < 0.5 ? 'A' : 'B' },
    };
  }
}

/** The rows as CSV for psql \copy, columns in EVENT_COLUMNS order. */
export function toCsvLine(row: Row): string {
  let line = '';
  for (let i = 0; i < EVENT_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    const v = row[EVENT_COLUMNS[i]!.name];
    if (v === null || v === undefined) continue;
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    line += /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
  }
  return `${line}\n`;
}
