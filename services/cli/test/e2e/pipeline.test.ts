import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Browser, BrowserContext } from 'playwright-core';
import { QUEUE_EVENTS, QUEUE_HITS, renderSnippet } from '@beacon/schema';
import { HEADLESS_ARGS, launchChromium, waitFor } from '@beacon/testkit';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiClient, importCompanies, seed, sendBatch, type Seeded, useRunningStack } from './harness.js';
import { CHROME_UA, GOOGLEBOT_UA, SAFARI_UA } from '../user-agents.js';

// Real, end to end: the four services as separate `beacon serve` processes on the machine's PostgreSQL
// and Redis, Chromium (testkit's launchChromium) loading the tracker from the collector, direct /v1/batch posts, the
// query API over HTTP. Every expected figure is computed here from the hits that got a 202.

/** The network each IP stands for, and the visitor_type the enricher gives it (see visitor-type.ts). */
const IPS = {
  /** In the agency's own range (imported below): business. */
  acme: '203.0.113.45',
  acme2: '203.0.113.77',
  /** Deutsche Telekom (AS3320) and Comcast (AS7922) in the bundled DB-IP ASN data: access providers. */
  telekom: '79.192.10.20',
  comcast: '73.15.20.30',
} as const;
const VISITOR_TYPE: Record<string, string | null> = {
  [IPS.acme]: 'business',
  [IPS.acme2]: 'business',
  [IPS.telekom]: 'consumer',
  [IPS.comcast]: 'consumer',
  '127.0.0.1': null, // the browser: loopback, nothing known about the network
};

/** A hit as sent (wire fields) plus what the test knows about its request. */
interface Sent {
  event_name: string;
  event_id: string;
  client_id: string;
  session_id: string;
  page_url: string;
  referrer: string;
  ip: string;
  bot: boolean;
}

let site: Seeded;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let pages: Server;

const w = useRunningStack('e2e', {
  prepare: async ({ db, stack }) => {
    site = await seed(db, {
      domain: 'shop.example',
      config: { allowed_origins: ['127.0.0.1', 'shop.example'], bot_policy: 'keep' },
    });
    await importCompanies(
      'range,company_name,domain,industry\n203.0.113.0/24,Acme Corp,acme.example,Manufacturing\n',
      site.agencyEmail,
      stack.env,
    );
  },
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (pages) await new Promise((r) => pages.close(r));
}, 60_000);

const hex = () => randomBytes(16).toString('hex');

function referrerDomain(referrer: string, pageUrl: string): string | null {
  if (!referrer) return null;
  const host = new URL(referrer).hostname.toLowerCase().replace(/^www\./, '');
  const pageHost = new URL(pageUrl).hostname.toLowerCase();
  if (host === pageHost || host === 'shop.example' || host.endsWith('.shop.example')) return null;
  return host;
}

function utm(pageUrl: string, key: string): string | null {
  return new URL(pageUrl).searchParams.get(`utm_${key}`);
}

const distinct = <T>(xs: T[]) => new Set(xs).size;
/** The tracker's internal events are stored but not counted as events (docs/metrics.md). */
const counted = (h: Sent) => h.event_name !== 'engagement' && h.event_name !== 'identify';

/** What the API must answer, computed from the hits that were accepted. */
function expected(sent: Sent[]) {
  const byId = new Map<string, Sent>();
  for (const h of sent) if (!byId.has(h.event_id)) byId.set(h.event_id, h); // retries are deduplicated
  const all = [...byId.values()];
  const humans = all.filter((h) => !h.bot);
  const totals = (hs: Sent[]) => ({
    visitors: distinct(hs.map((h) => h.client_id)),
    sessions: distinct(hs.map((h) => h.session_id)),
    page_views: hs.filter((h) => h.event_name === 'page_view').length,
    events: hs.filter(counted).length,
  });
  const referrers = new Map<string, Sent[]>();
  const campaigns = new Map<string, Sent[]>();
  const types = new Map<string | null, Sent[]>();
  for (const h of humans) {
    const d = referrerDomain(h.referrer, h.page_url);
    if (d) referrers.set(d, [...(referrers.get(d) ?? []), h]);
    const c = utm(h.page_url, 'campaign');
    if (c) {
      const key = JSON.stringify([utm(h.page_url, 'source'), utm(h.page_url, 'medium'), c]);
      campaigns.set(key, [...(campaigns.get(key) ?? []), h]);
    }
    const t = VISITOR_TYPE[h.ip]!;
    types.set(t, [...(types.get(t) ?? []), h]);
  }
  const acme = humans.filter((h) => VISITOR_TYPE[h.ip] === 'business');
  return {
    overview: totals(humans),
    referrers: [...referrers]
      .map(([referrer_domain, hs]) => ({
        referrer_domain,
        sessions: distinct(hs.map((h) => h.session_id)),
        events: hs.filter(counted).length,
      }))
      .sort((a, b) => a.referrer_domain.localeCompare(b.referrer_domain)),
    campaigns: [...campaigns]
      .map(([key, hs]) => {
        const [utm_source, utm_medium, utm_campaign] = JSON.parse(key) as string[];
        return {
          utm_source,
          utm_medium,
          utm_campaign,
          sessions: distinct(hs.map((h) => h.session_id)),
          unique_users: distinct(hs.map((h) => h.client_id)),
        };
      })
      .sort((a, b) => a.utm_campaign!.localeCompare(b.utm_campaign!)),
    companies: [{ name: 'Acme Corp', domain: 'acme.example', industry: 'Manufacturing', ...totals(acme) }],
    visitorTypes: [...types]
      .map(([value, hs]) => ({ value, visitors: distinct(hs.map((h) => h.client_id)) }))
      .sort((a, b) => String(a.value).localeCompare(String(b.value))),
    bots: totals(all.filter((h) => h.bot)),
  };
}

/** The same figures, read through the API. */
async function actual(get: (path: string) => Promise<unknown>) {
  const base = `/v1/sites/${site.siteId}`;
  const overview = (await get(`${base}/stats/overview`)) as { current: Record<string, number> };
  const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
  const refs = (await get(`${base}/stats/top-referrers?limit=100`)) as { items: Record<string, unknown>[] };
  const camps = (await get(`${base}/stats/utm-campaigns?limit=100`)) as { items: Record<string, unknown>[] };
  const comps = (await get(`${base}/companies?limit=100`)) as { items: Record<string, unknown>[] };
  const types = (await get(`${base}/stats/breakdown/visitor_types?limit=100`)) as {
    items: Record<string, unknown>[];
  };
  const bots = (await get(`${base}/stats/overview?visitor_type=bot`)) as { current: Record<string, number> };
  const totalsKeys = ['visitors', 'sessions', 'page_views', 'events'];
  return {
    overview: pick(overview.current, totalsKeys),
    referrers: refs.items
      .map((r) => pick(r, ['referrer_domain', 'sessions', 'events']))
      .sort((a, b) => String(a.referrer_domain).localeCompare(String(b.referrer_domain))),
    campaigns: camps.items
      .map((r) => pick(r, ['utm_source', 'utm_medium', 'utm_campaign', 'sessions', 'unique_users']))
      .sort((a, b) => String(a.utm_campaign).localeCompare(String(b.utm_campaign))),
    companies: comps.items.map((r) => pick(r, ['name', 'domain', 'industry', ...totalsKeys])),
    visitorTypes: types.items
      .map((r) => pick(r, ['value', 'visitors']))
      .sort((a, b) => String(a.value).localeCompare(String(b.value))),
    bots: pick(bots.current, totalsKeys),
  };
}

/** A hit as the test remembers it: its wire fields, and the IP and bot-ness of its request. */
function sentHit(e: Record<string, unknown>, ip: string, bot: boolean): Sent {
  return {
    event_name: String(e.event_name),
    event_id: String(e.event_id),
    client_id: String(e.client_id),
    session_id: String(e.session_id),
    page_url: String(e.page_url),
    referrer: String(e.referrer ?? ''),
    ip,
    bot,
  };
}

async function postBatch(
  events: Record<string, unknown>[],
  opts: { ip: string; ua: string },
): Promise<number> {
  const res = await sendBatch(w.stack, site, events, { origin: 'https://shop.example', ...opts });
  const body = (await res.json()) as { accepted?: number; rejected?: unknown[] };
  if (res.status !== 202 || body.accepted !== events.length)
    throw new Error(`batch not accepted: ${res.status} ${JSON.stringify(body)}`);
  return res.status;
}

test('browser and direct traffic through all four processes add up in the API', async () => {
  const sent: Sent[] = [];

  // (a) A real browser on a page carrying the tracker snippet from the collector, as the API renders it.
  const snippet = renderSnippet(site.scriptId, {
    publicUrl: w.stack.url('collector'),
    scriptPath: '/v1/beacon.js',
  });
  const html = (title: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${snippet}</head><body><h1>${title}</h1></body></html>`;
  pages = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html((req.url ?? '/').split('?')[0]!));
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  const pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;

  browser = await launchChromium({ args: HEADLESS_ARGS });
  // Headless Chromium's own UA says HeadlessChrome, which is (rightly) classed as a bot.
  context = await browser.newContext({ userAgent: CHROME_UA, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (process.env.E2E_DEBUG) {
    page.on('console', (m) => console.log('console', m.text()));
    page.on('request', (r) => console.log('request', r.method(), r.url()));
    page.on('requestfailed', (r) => console.log('failed', r.url(), r.failure()?.errorText));
    page.on('response', (r) => console.log('response', r.status(), r.url()));
  }
  const onBatch = (res: import('playwright-core').Response) => {
    const req = res.request();
    if (!req.url().endsWith('/v1/batch') || res.status() !== 202) return;
    const raw = req.postDataBuffer()?.toString('utf8') ?? '{}';
    if (process.env.E2E_DEBUG) console.log('batch', raw);
    const body = JSON.parse(raw) as { events?: Record<string, unknown>[] };
    for (const e of body.events ?? []) sent.push(sentHit(e, '127.0.0.1', false));
  };
  page.on('response', onBatch);
  const browserViews = () => sent.filter((h) => h.ip === '127.0.0.1' && h.event_name === 'page_view');
  // Landing from a search engine on a campaign URL, then an SPA navigation, then a normal page load.
  await page.goto(`${pagesUrl}/landing?utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale`, {
    referer: 'https://www.google.com/',
  });
  await waitFor('the landing page view', () => browserViews().length >= 1, {
    timeoutMs: 20_000,
    intervalMs: 100,
    ignoreErrors: true,
  });
  await page.evaluate(() => history.pushState({}, '', '/pricing'));
  await waitFor('the SPA page view', () => browserViews().length >= 2, {
    timeoutMs: 20_000,
    intervalMs: 100,
    ignoreErrors: true,
  });
  // A second tab of the same visitor (a full page load; navigating the first tab away instead would
  // fire its exit beacon, which the browser may abort or deliver: not a count a test can know).
  const tab = await context.newPage();
  tab.on('response', onBatch);
  await tab.goto(`${pagesUrl}/contact`);
  await waitFor('the third page view', () => browserViews().length >= 3, {
    timeoutMs: 20_000,
    intervalMs: 100,
    ignoreErrors: true,
  });
  const views = browserViews();
  expect(views.map((v) => new URL(v.page_url).pathname)).toEqual(['/landing', '/pricing', '/contact']);
  expect(views[0]!.referrer).toBe('https://www.google.com/');
  expect(distinct(views.map((v) => v.session_id))).toBe(1);

  // (b) Direct batches: known IPs through the trusted proxy header, several visitors and sessions.
  const now = Date.now();
  const hit = (
    c: { client: string; session: string },
    path: string,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> => ({
    event_name: 'page_view',
    event_id: hex(),
    timestamp: now,
    client_id: c.client,
    session_id: c.session,
    session_number: 1,
    page_url: `https://shop.example${path}`,
    referrer: '',
    page_title: path,
    language: 'en-US',
    ...extra,
  });
  const send = async (
    events: Record<string, unknown>[],
    ip: string,
    ua = SAFARI_UA,
    bot = false,
  ): Promise<void> => {
    await postBatch(events, { ip, ua });
    for (const e of events) sent.push(sentHit(e, ip, bot));
  };
  const alice = { client: hex(), session: hex() }; // Acme, two sessions
  const alice2 = { client: alice.client, session: hex() };
  const bob = { client: hex(), session: hex() }; // Acme, second visitor
  const carol = { client: hex(), session: hex() }; // Telekom
  const dave = { client: hex(), session: hex() }; // Comcast
  const crawler = { client: hex(), session: hex() };

  await send(
    [
      hit(alice, '/?utm_source=linkedin&utm_medium=social&utm_campaign=abm_q4', {
        referrer: 'https://www.linkedin.com/feed/',
      }),
      hit(alice, '/pricing', { referrer: 'https://shop.example/' }),
      hit(alice, '/pricing', { event_name: 'signup_click', referrer: 'https://shop.example/' }),
    ],
    IPS.acme,
  );
  await send([hit(alice2, '/docs', { referrer: 'https://news.ycombinator.com/item?id=1' })], IPS.acme);
  await send([hit(bob, '/', {}), hit(bob, '/careers', { referrer: 'https://shop.example/' })], IPS.acme2);
  const carolHits = [
    hit(carol, '/?utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale', {
      referrer: 'https://mail.example.net/',
    }),
    hit(carol, '/blog/a', { referrer: 'https://shop.example/' }),
  ];
  await send(carolHits, IPS.telekom, CHROME_UA);
  // A client retry of the same hits (same event_id): stored once.
  await send(carolHits, IPS.telekom, CHROME_UA);
  await send([hit(dave, '/', { referrer: 'https://duckduckgo.com/' })], IPS.comcast);
  await send([hit(crawler, '/'), hit(crawler, '/pricing')], IPS.comcast, GOOGLEBOT_UA, true);

  const get = await apiClient(w.stack.url('api'), site.email, site.password);
  let last: unknown;
  await waitFor(
    () =>
      `the API to match what was sent:\nexpected ${JSON.stringify(expected(sent), null, 1)}\nactual ${JSON.stringify(last, null, 1)}`,
    async () => {
      last = await actual(get);
      return JSON.stringify(last) === JSON.stringify(expected(sent));
    },
    { timeoutMs: 60_000, intervalMs: 250, ignoreErrors: true },
  );
  const want = expected(sent);
  expect(last).toEqual(want);
  // The figures are not trivially empty.
  expect(want.overview.visitors).toBe(5);
  expect(want.companies[0]!.visitors).toBe(2);
  expect(want.bots).toEqual({ visitors: 1, sessions: 1, page_views: 2, events: 2 });
  expect(want.referrers.map((r) => r.referrer_domain)).toEqual(
    expect.arrayContaining(['google.com', 'linkedin.com', 'news.ycombinator.com']),
  );
  // Every queued job was consumed.
  for (const name of [QUEUE_HITS, QUEUE_EVENTS]) {
    const q = new Queue(name, { connection: w.redis, prefix: w.prefix });
    const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
    await q.close();
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  }
}, 150_000);
