/**
 * Page and campaign fields from page_url: page_path (no query, no fragment), utm_* parameters and
 * click ids. gclid, fbclid and ttclid have columns; the other click ids are kept in
 * properties.click_ids so that channel rules and later analysis can still see them.
 */

import { CAMPAIGN_COLUMNS } from '@beacon/schema';

/** Click ids without a column, kept in properties.click_ids (name -> value). */
export const OTHER_CLICK_IDS = [
  'msclkid', // Microsoft Advertising
  'dclid', // Google Display & Video 360 / Campaign Manager
  'gbraid', // Google Ads (iOS app to web)
  'wbraid', // Google Ads (web to app)
  'li_fat_id', // LinkedIn
  'twclid', // X / Twitter
  'epik', // Pinterest
  'sccid', // Snapchat
  'yclid', // Yandex Direct
  'rdt_cid', // Reddit
  'irclickid', // impact.com (affiliate)
] as const;

export interface PageFields {
  page_path: string | null;
  /** Lower-case host of page_url, null when page_url is not an absolute http(s) URL. */
  page_host: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  gclid: string | null;
  fbclid: string | null;
  ttclid: string | null;
  /** Other click ids present in the URL, or null. */
  click_ids: Record<string, string> | null;
}

const EMPTY: PageFields = {
  page_path: null,
  page_host: null,
  utm_source: null,
  utm_medium: null,
  utm_campaign: null,
  utm_content: null,
  utm_term: null,
  gclid: null,
  fbclid: null,
  ttclid: null,
  click_ids: null,
};

/** Max length of the varchar(255) campaign columns; the writer cuts too, this keeps properties small. */
const MAX = 255;

const COLUMN_PARAMS = new Set(CAMPAIGN_COLUMNS);
type ColumnParam = (typeof CAMPAIGN_COLUMNS)[number];
const OTHER_IDS: ReadonlySet<string> = new Set(OTHER_CLICK_IDS);

/**
 * Parses page_url. Relative or malformed URLs give a best-effort path (the text before "?" or "#")
 * and no parameters, never an error: a bad URL must not cost the event.
 */
export function parsePage(pageUrl: unknown): PageFields {
  if (typeof pageUrl !== 'string' || pageUrl.trim() === '') return EMPTY;
  let url: URL;
  try {
    url = new URL(pageUrl.trim());
  } catch {
    const path = pageUrl.trim().split(/[?#]/, 1)[0]!;
    return { ...EMPTY, page_path: path.startsWith('/') ? path : null };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return EMPTY;
  const out: PageFields = { ...EMPTY, page_host: url.hostname.toLowerCase().replace(/\.$/, '') || null };
  if (url.search.length > 1) {
    // One pass over the parameters; the first occurrence of a name wins (as URLSearchParams.get).
    for (const [name, value] of url.searchParams) {
      const t = value.trim();
      if (!t) continue;
      const v = t.length > MAX ? t.slice(0, MAX) : t;
      if ((COLUMN_PARAMS as ReadonlySet<string>).has(name)) {
        const col = name as ColumnParam;
        if (out[col] === null) out[col] = v;
      } else if (OTHER_IDS.has(name)) {
        const ids = (out.click_ids ??= {});
        if (ids[name] === undefined) ids[name] = v;
      }
    }
  }
  let path = url.pathname || '/';
  if (path.includes('%')) {
    try {
      // Store the path as people read it (/über, not /%C3%BCber); keep it encoded if not valid UTF-8.
      path = decodeURI(path);
    } catch {
      /* keep encoded */
    }
  }
  out.page_path = path;
  return out;
}
