// 30 days of made-up but plausible traffic for the demo site, as the collector would have queued it:
// raw requests (IP, user agent, the tracker's hits). demo/seed.ts runs them through the enricher's
// steps and the writer's store, so what lands in the database is what real visits would leave there.
import { mulberry32, pick, type RawRequest } from '@beacon/schema';
import { DEMO } from './data.js';

type Rand = () => number;
function weighted<T>(r: Rand, list: readonly (readonly [T, number])[]): T {
  const total = list.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of list) if ((x -= w) < 0) return v;
  return list[list.length - 1]![0];
}
const hex = (r: Rand, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
};
/** A UUIDv7 for `ms` (the collector's id format) from the seeded PRNG. */
function uuidv7(r: Rand, ms: number): string {
  const t = ms.toString(16).padStart(12, '0');
  const v = (8 + Math.floor(r() * 4)).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(r, 3)}-${v}${hex(r, 3)}-${hex(r, 12)}`;
}

/**
 * Countries by public address blocks whose DB-IP Lite location is that country (checked against the
 * bundled data): visitors get a random host of the block.
 */
const COUNTRIES: readonly (readonly [{ blocks: string[]; language: string }, number])[] = [
  [{ blocks: ['73.0.0', '71.0.0', '98.0.0'], language: 'en-US' }, 30], // US
  [{ blocks: ['194.25.0'], language: 'de-DE' }, 14], // DE
  [{ blocks: ['212.58.244'], language: 'en-GB' }, 12], // GB
  [{ blocks: ['212.27.48'], language: 'fr-FR' }, 8], // FR
  [{ blocks: ['194.109.6'], language: 'nl-NL' }, 6], // NL
  [{ blocks: ['24.48.0'], language: 'en-CA' }, 5], // CA
  [{ blocks: ['117.192.0'], language: 'en-IN' }, 6], // IN
  [{ blocks: ['151.38.0'], language: 'it-IT' }, 4], // IT
  [{ blocks: ['88.0.0'], language: 'es-ES' }, 4], // ES
  [{ blocks: ['139.130.4'], language: 'en-AU' }, 4], // AU
  [{ blocks: ['133.11.0'], language: 'ja-JP' }, 3], // JP
  [{ blocks: ['200.160.2'], language: 'pt-BR' }, 3], // BR
];

/**
 * The demo agency's clients, named by IP range (what `beacon companies import` loads): visits from
 * these blocks show up on the Companies page. Fictional firms on .example domains.
 */
export const DEMO_COMPANIES = [
  {
    range: '194.25.1.0/24',
    name: 'Acme Corp',
    domain: 'acme.example',
    industry: 'Manufacturing',
    employees: '1000-5000',
    language: 'de-DE',
  },
  {
    range: '73.1.0.0/24',
    name: 'Globex',
    domain: 'globex.example',
    industry: 'Software',
    employees: '200-500',
    language: 'en-US',
  },
  {
    range: '212.58.245.0/24',
    name: 'Initech',
    domain: 'initech.example',
    industry: 'Financial Services',
    employees: '50-200',
    language: 'en-GB',
  },
  {
    range: '194.109.7.0/24',
    name: 'Umbrella Health',
    domain: 'umbrella.example',
    industry: 'Healthcare',
    employees: '5000+',
    language: 'nl-NL',
  },
  {
    range: '98.1.0.0/24',
    name: 'Hooli',
    domain: 'hooli.example',
    industry: 'Internet',
    employees: '10000+',
    language: 'en-US',
  },
] as const;

interface Device {
  ua: string;
  screen: string;
  viewport: string;
  dpr: number;
}
const DEVICES: readonly (readonly [Device, number])[] = [
  [
    {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      screen: '1920x1080',
      viewport: '1903x969',
      dpr: 1,
    },
    34,
  ],
  [
    {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      screen: '1512x982',
      viewport: '1512x859',
      dpr: 2,
    },
    14,
  ],
  [
    {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      screen: '393x852',
      viewport: '393x659',
      dpr: 3,
    },
    20,
  ],
  [
    {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      screen: '412x915',
      viewport: '412x839',
      dpr: 2.63,
    },
    17,
  ],
  [
    {
      ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      screen: '2560x1440',
      viewport: '2543x1301',
      dpr: 1,
    },
    5,
  ],
  [
    {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      screen: '1366x768',
      viewport: '1349x657',
      dpr: 1,
    },
    7,
  ],
  [
    {
      ua: 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      screen: '820x1180',
      viewport: '820x1106',
      dpr: 2,
    },
    3,
  ],
];

/** Where a session comes from: the referrer and the landing URL's query. */
interface Source {
  referrer: string | null;
  query: string;
}
const SOURCES: readonly (readonly [(r: Rand, day: number) => Source, number])[] = [
  [() => ({ referrer: null, query: '' }), 28],
  [() => ({ referrer: 'https://www.google.com/', query: '' }), 27],
  [() => ({ referrer: 'https://www.bing.com/', query: '' }), 4],
  [() => ({ referrer: 'https://duckduckgo.com/', query: '' }), 3],
  [() => ({ referrer: 'https://t.co/', query: '' }), 4],
  [() => ({ referrer: 'https://www.linkedin.com/', query: '' }), 5],
  [() => ({ referrer: 'https://news.ycombinator.com/', query: '' }), 3],
  [() => ({ referrer: 'https://github.com/', query: '' }), 3],
  [() => ({ referrer: 'https://chatgpt.com/', query: '' }), 2],
  // Paid search, all period long, with a click id.
  [
    (r) => ({
      referrer: 'https://www.google.com/',
      query: `utm_source=google&utm_medium=cpc&utm_campaign=winter_sale&utm_term=${pick(r, ['web+analytics', 'b2b+analytics', 'visitor+identification'])}&gclid=${hex(r, 24)}`,
    }),
    8,
  ],
  // The newsletter: sent on a few days, read for a couple of days after.
  [
    (r, day) => ({
      referrer: null,
      query: `utm_source=newsletter&utm_medium=email&utm_campaign=${day % 7 < 3 ? 'launch' : 'webinar'}&utm_content=${pick(r, ['header', 'footer'])}`,
    }),
    6,
  ],
  // Social campaign.
  [
    () => ({
      referrer: 'https://www.linkedin.com/',
      query: 'utm_source=linkedin&utm_medium=social&utm_campaign=launch',
    }),
    3,
  ],
];

const TITLES: Record<string, string> = {
  '/': 'Demo shop',
  '/pricing': 'Pricing',
  '/features': 'Features',
  '/blog/launch': 'We launched',
  '/blog/b2b-analytics': 'B2B analytics without cookies',
  '/docs': 'Documentation',
  '/docs/install': 'Install',
  '/contact': 'Contact',
  '/signup': 'Sign up',
  '/shop/t-shirt': 'T-shirt',
  '/shop/cart': 'Cart',
  '/checkout': 'Checkout',
};
/** Landing pages (weights) and where a visitor goes next from each page. */
const LANDING: readonly (readonly [string, number])[] = [
  ['/', 40],
  ['/pricing', 12],
  ['/blog/launch', 12],
  ['/blog/b2b-analytics', 10],
  ['/features', 8],
  ['/docs/install', 8],
  ['/shop/t-shirt', 10],
];
const NEXT: Record<string, readonly string[]> = {
  '/': ['/pricing', '/features', '/blog/launch', '/shop/t-shirt', '/docs'],
  '/pricing': ['/signup', '/contact', '/features', '/'],
  '/features': ['/pricing', '/docs', '/signup'],
  '/blog/launch': ['/pricing', '/blog/b2b-analytics', '/'],
  '/blog/b2b-analytics': ['/pricing', '/features', '/blog/launch'],
  '/docs': ['/docs/install', '/pricing'],
  '/docs/install': ['/docs', '/signup'],
  '/contact': ['/pricing', '/'],
  '/signup': ['/docs/install', '/'],
  '/shop/t-shirt': ['/shop/cart', '/'],
  '/shop/cart': ['/checkout', '/shop/t-shirt'],
  '/checkout': ['/'],
};

/** Relative weight of each hour of the local day (UTC for the demo site): a working-day curve. */
const HOURS = [2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 12, 11, 10, 9, 8, 7, 6, 4, 3];
/** Monday..Sunday. */
const WEEKDAY = [1.15, 1.2, 1.15, 1.1, 0.95, 0.5, 0.45];

export interface HistoryOptions {
  /** The site's script_id. */
  siteId: string;
  /** Page URLs are on this origin (the demo page). */
  origin: string;
  /** Days of history ending now. */
  days: number;
  /** Sessions on an average weekday. */
  sessionsPerDay: number;
  now: Date;
  seed: number;
}

export const DEFAULT_HISTORY = { days: 30, sessionsPerDay: 350, seed: 42 } as const;

/** Raw requests of the whole history, oldest first, each at most `now` minus a minute. */
export function generateHistory(o: HistoryOptions): RawRequest[] {
  const r = mulberry32(o.seed);
  const requests: RawRequest[] = [];
  const end = o.now.getTime() - 60_000;
  const dayMs = 86_400_000;
  const firstDay = Math.floor(end / dayMs) - (o.days - 1);
  // Returning visitors: a pool of earlier visitors some sessions come back from.
  const seen: { clientId: string; ip: string; device: Device; language: string; sessions: number }[] = [];
  const growth = (day: number) => 0.8 + (0.4 * (day - firstDay)) / Math.max(1, o.days - 1);
  for (let day = firstDay; day < firstDay + o.days; day++) {
    const weekday = (new Date(day * dayMs).getUTCDay() + 6) % 7;
    const n = Math.round(o.sessionsPerDay * WEEKDAY[weekday]! * growth(day) * (0.9 + 0.2 * r()));
    const hourTotal = HOURS.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      let x = r() * hourTotal;
      let hour = 0;
      while ((x -= HOURS[hour]!) >= 0) hour++;
      const start = day * dayMs + hour * 3_600_000 + Math.floor(r() * 3_600_000);
      if (start > end) continue;
      let visitor = seen.length > 200 && r() < 0.25 ? pick(r, seen) : undefined;
      if (!visitor) {
        const company = r() < 0.12 ? pick(r, DEMO_COMPANIES) : undefined;
        const country = weighted(r, COUNTRIES);
        const block = company ? company.range.split('.').slice(0, 3).join('.') : pick(r, country.blocks);
        visitor = {
          clientId: `${hex(r, 16)}.${Math.floor(start / 1000)}`,
          ip: `${block}.${1 + Math.floor(r() * 254)}`,
          device: weighted(r, DEVICES),
          language: company?.language ?? country.language,
          sessions: 0,
        };
        seen.push(visitor);
      }
      visitor.sessions++;
      requests.push(...session(r, o, visitor, start, end, day - firstDay));
    }
  }
  return requests;
}

function session(
  r: Rand,
  o: HistoryOptions,
  v: { clientId: string; ip: string; device: Device; language: string; sessions: number },
  start: number,
  end: number,
  day: number,
): RawRequest[] {
  const source = weighted(r, SOURCES)(r, day);
  const sessionId = hex(r, 16);
  const bounce = r() < 0.42;
  const pages = bounce ? 1 : 2 + Math.floor(r() * r() * 6);
  let path = weighted(r, LANDING);
  let previous: string | null = source.referrer;
  let t = start;
  const out: RawRequest[] = [];
  const base = {
    client_id: v.clientId,
    session_id: sessionId,
    session_number: v.sessions,
    screen_resolution: v.device.screen,
    viewport_size: v.device.viewport,
    device_pixel_ratio: v.device.dpr,
    language: v.language,
  };
  for (let p = 0; p < pages && t <= end; p++) {
    const url = `${o.origin}${path}${p === 0 && source.query ? `?${source.query}` : ''}`;
    const page = { ...base, page_url: url, page_title: `${TITLES[path] ?? path} · Beacon demo` };
    const pageViewId = hex(r, 32);
    const stay = bounce ? 5 + Math.floor(r() * 40) : 15 + Math.floor(r() * 150);
    const hits: Record<string, unknown>[] = [];
    const hit = (at: number, name: string, extra: Record<string, unknown> = {}) =>
      hits.push({
        id: uuidv7(r, at),
        server_timestamp: new Date(at).toISOString(),
        event_name: name,
        event_id: name === 'page_view' ? pageViewId : hex(r, 32),
        timestamp: at - 40,
        ...page,
        ...(previous ? { referrer: previous } : {}),
        ...extra,
      });
    hit(t, 'page_view');
    // What visitors do on a page: the custom events of the demo page's elements.
    pageActions(r, o.origin, path, (name, extra) => hit(t + Math.floor(stay * 0.6) * 1000, name, extra));
    // The tracker's engagement event when the page is left.
    const leave = t + stay * 1000;
    hit(leave, 'engagement', {
      time_on_page: stay,
      scroll_depth: Math.min(100, 20 + Math.floor(r() * 90)),
      clicks: Math.floor(r() * 4),
      properties: { page_view_id: pageViewId },
    });
    const ready = hits.filter((h) => Date.parse(h.server_timestamp as string) <= end);
    if (ready.length)
      out.push({
        site_id: o.siteId,
        ip: v.ip,
        user_agent: v.device.ua,
        client_hints: {},
        origin: new URL(o.origin).origin,
        hits: ready as RawRequest['hits'],
      });
    previous = url;
    t = leave + 1000 + Math.floor(r() * 5000);
    path = pick(r, NEXT[path] ?? ['/']);
  }
  return out;
}

/** The custom events a visitor's stay on `path` may send (the demo page's forms, links and shop). */
function pageActions(
  r: Rand,
  origin: string,
  path: string,
  act: (name: string, extra?: Record<string, unknown>) => void,
): void {
  const plan = () =>
    weighted(r, [
      ['starter', 5],
      ['team', 3],
      ['agency', 1],
    ] as const);
  if (path === '/pricing' && r() < 0.25)
    act('plan_selected', {
      properties: { plan: plan() },
    });
  if (path === '/signup' && r() < 0.5) {
    act('signup', {
      properties: {
        plan: plan(),
        source: 'form',
      },
    });
    act('form_submit', { properties: { form_id: 'signup', form_action: '/signup' } });
  }
  if (path === '/contact' && r() < 0.4)
    act('form_submit', {
      properties: { form_id: 'contact', form_name: 'contact', form_action: '/contact' },
    });
  if (path.startsWith('/docs') && r() < 0.3)
    act('file_download', { properties: { url: `${origin}/files/beacon-brochure.pdf` } });
  if (path.startsWith('/blog') && r() < 0.15)
    act('outbound_click', {
      properties: {
        url: pick(r, ['https://github.com/', 'https://db-ip.com/', 'https://www.postgresql.org/']),
      },
    });
  if (path.startsWith('/blog') && r() < 0.1) act('newsletter_signup', { properties: { list: 'monthly' } });
  if (path === '/shop/t-shirt' && r() < 0.35)
    act('add_to_cart', {
      ecommerce_data: {
        currency: DEMO.currency,
        value: 25,
        items: [{ item_id: 'tee-1', item_name: 'Beacon T-shirt', price: 25, quantity: 1 }],
      },
      properties: { size: pick(r, ['S', 'M', 'L', 'XL']) },
    });
  if (path === '/checkout' && r() < 0.6)
    act('purchase', {
      ecommerce_data: {
        transaction_id: `T${hex(r, 8)}`,
        currency: DEMO.currency,
        value: 25 * (1 + Math.floor(r() * 3)),
        items: [{ item_id: 'tee-1', item_name: 'Beacon T-shirt', price: 25, quantity: 1 }],
      },
    });
}
