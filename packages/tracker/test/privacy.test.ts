// The site's privacy switches in a real browser (Chromium found by testkit, driven by playwright-core) against the real
// collector, Redis and PostgreSQL. Each page carries the snippet exactly as the API and the dashboard
// show it (renderSnippet: no switch in it); the switches come from sites.config through the collector's
// settings answer, so they also govern pages tagged before a setting changed. See harness.ts.
import type { BrowserContext, Page } from 'playwright-core';
import { html, useHarness, type QueuedHit } from './harness.js';

declare const beacon: import('../browser/types.js').Beacon;

const h = useHarness();

const on = (path: string) => (x: QueuedHit) => String(x.page_url).includes(path);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Opened {
  page: Page;
  context: BrowserContext;
  /** Bodies of the POSTs to the batch endpoint, in order. */
  posts: string[];
  /** Status of every settings answer (GET of the batch endpoint). */
  settings: number[];
}

/** Opens `url` in a fresh context (no cookies, no storage) and waits for the tracker's settings answer. */
async function open(url: string, init?: () => void, context?: BrowserContext): Promise<Opened> {
  if (!context) {
    context = await h.newContext();
  }
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const posts: string[] = [];
  const settings: number[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/v1/batch') && r.method() === 'POST') posts.push(r.postData() ?? '');
  });
  page.on('response', (r) => {
    if (r.url().includes('/v1/batch?') && r.request().method() === 'GET') settings.push(r.status());
  });
  const answered = page.waitForResponse((r) => r.url().includes('/v1/batch?site_id='));
  await page.goto(url);
  await answered;
  await page.waitForFunction(
    () => typeof (window as { beacon?: { track?: unknown } }).beacon?.track === 'function',
  );
  return { page, context, posts, settings };
}

/** Everything the page could have left in the browser: cookies, localStorage, sessionStorage. */
async function traces(o: Opened): Promise<{ cookies: string[]; local: string[]; session: string[] }> {
  const cookies = (await o.context.cookies()).map((c) => c.name).sort();
  const [local, session] = await o.page.evaluate(() => [
    Object.keys(localStorage).sort(),
    Object.keys(sessionStorage).sort(),
  ]);
  return { cookies, local, session };
}

const NONE = { cookies: [], local: [], session: [] };
const dnt = () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
const gpc = () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });

test('the snippet carries no switch: the collector answers them, cached for COLLECTOR_SITE_SETTINGS_MAX_AGE_S', async () => {
  const site = await h.addSite({ require_consent: true, cookieless: true, respect_dnt: false });
  expect(h.snippet('', site)).toBe(
    `<script defer data-site="${site}" src="http://127.0.0.1:${h.collectorPort}/v1/beacon.js"></script>`,
  );
  const res = await fetch(`http://127.0.0.1:${h.collectorPort}/v1/batch?site_id=${site}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('public, max-age=1');
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(await res.json()).toEqual({ cookieless: true, require_consent: true, respect_dnt: false });
});

test('require consent: nothing sent and nothing stored until beacon.consent(true), then tracking works; consent(false) forgets', async () => {
  const site = await h.addSite({ require_consent: true });
  const url = h.page('/p/consent', html(h, { title: 'Consent', site }));
  const o = await open(url);
  expect(o.settings).toEqual([200]);
  await o.page.evaluate(() => {
    beacon.track('before_consent');
    beacon.flush();
  });
  await sleep(1500); // past the tracker's 1 s batching timer
  expect(o.posts).toEqual([]);
  expect(await traces(o)).toEqual(NONE);

  await o.page.evaluate(() => beacon.consent(true));
  const pv = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && on('/p/consent')(x)),
    'page view after consent',
  );
  // The page view and the event made before consent waited in memory and go now, with the ids.
  await h.waitForHits((all) => all.find((x) => x.event_name === 'before_consent'), 'event held back');
  expect(pv.client_id).toMatch(/^[0-9a-f]{32}$/);
  expect((await traces(o)).cookies).toEqual(['_bcn', '_bcn_s']);

  await o.page.evaluate(() => beacon.consent(false));
  expect((await traces(o)).cookies).toEqual([]);
  const before = o.posts.length;
  await o.page.evaluate(() => {
    beacon.track('after_refusal');
    beacon.flush();
  });
  await sleep(300);
  expect(o.posts.length).toBe(before);
});

test('cookieless: no cookie and no storage at all; hits carry no ids (the enricher derives them)', async () => {
  const site = await h.addSite({ cookieless: true });
  const url = h.page('/p/cookieless', html(h, { title: 'Cookieless', site }));
  const o = await open(url);
  const pv = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && on('/p/cookieless')(x)),
    'cookieless page view',
  );
  expect(pv.site_id).toBe(site);
  expect(pv.client_id).toBeUndefined();
  expect(pv.session_id).toBeUndefined();
  await o.page.evaluate(() => history.pushState({}, '', '/p/cookieless/2'));
  await o.page.evaluate(() => beacon.identify('u-1'));
  await h.waitForHits((all) => all.find(on('/p/cookieless/2')), 'cookieless SPA view');
  await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'identify' && x.site_id === site),
    'identify',
  );
  expect(await traces(o)).toEqual(NONE);
});

// Do-Not-Track and Global Privacy Control: each signal, with the init script that turns it on.
describe.each([
  ['dnt', dnt],
  ['gpc', gpc],
] as const)('a visitor sending %s', (name, init) => {
  test('respect DNT (the default): the signal holds hits back like missing consent; the visitor can still consent', async () => {
    const site = await h.addSite({});
    const url = h.page(`/p/respect-${name}`, html(h, { title: name, site }));
    const o = await open(url, init);
    await o.page.evaluate(() => beacon.flush());
    await sleep(1300);
    expect(o.posts).toEqual([]);
    expect(await traces(o)).toEqual(NONE);
    await o.page.evaluate(() => beacon.consent(true));
    await h.waitForHits((all) => all.find(on(`/p/respect-${name}`)), `${name} page view after consent`);
  });

  test('respect DNT off: the visitor is tracked at once', async () => {
    const site = await h.addSite({ respect_dnt: false });
    const url = h.page(`/p/ignore-${name}`, html(h, { title: name, site }));
    const o = await open(url, init);
    expect(
      await o.page.evaluate(() => navigator.doNotTrack === '1' || 'globalPrivacyControl' in navigator),
    ).toBe(true);
    await h.waitForHits((all) => all.find(on(`/p/ignore-${name}`)), `${name} page view`);
    expect((await traces(o)).cookies).toEqual(['_bcn', '_bcn_s']);
  });
});

test('a changed setting reaches an already-tagged page on its next load (within the settings cache time)', async () => {
  const site = await h.addSite({});
  const url = h.page('/p/switch', html(h, { title: 'Switch', site }));
  const first = await open(url);
  await h.waitForHits((all) => all.find(on('/p/switch')), 'page view before the change');
  const context = first.context;
  /** Leaves the page (its exit batch goes under the settings it loaded with), then wipes what it left. */
  const leave = async (o: Opened) => {
    await o.page.close();
    await context.clearCookies();
    const blank = await context.newPage();
    await blank.goto(h.page('/p/blank', '<!doctype html><title>blank</title>'));
    await blank.evaluate(() => localStorage.clear());
    await blank.close();
  };

  await h.setSiteConfig(site, { require_consent: true });
  await leave(first);
  await sleep(h.settingsDelayMs + 300);
  // The same browser (same HTTP cache) loads the same, unchanged page again.
  const second = await open(url, undefined, context);
  await second.page.evaluate(() => beacon.flush());
  await sleep(1300);
  expect(second.posts).toEqual([]);
  expect(await traces(second)).toEqual(NONE);

  await h.setSiteConfig(site, { require_consent: false, cookieless: true });
  await leave(second);
  await sleep(h.settingsDelayMs + 300);
  const seen = (await h.hits()).filter(on('/p/switch')).length;
  const third = await open(url, undefined, context);
  await h.waitForHits((all) => all.filter(on('/p/switch')).length > seen, 'page view after switching back');
  expect(await traces(third)).toEqual(NONE); // now cookieless
});

test('page attributes can only add strictness: data-require-consent and data-cookieless hold; data-respect-dnt="false" does not loosen', async () => {
  const site = await h.addSite({});
  const held = h.page('/p/attr-consent', html(h, { title: 'attr', site, attrs: 'data-require-consent' }));
  const o = await open(held);
  await o.page.evaluate(() => beacon.flush());
  await sleep(1300);
  expect(o.posts).toEqual([]);
  expect(await traces(o)).toEqual(NONE);

  const dntPage = h.page(
    '/p/attr-dnt',
    html(h, { title: 'attr dnt', site, attrs: 'data-respect-dnt="false"' }),
  );
  const d = await open(dntPage, dnt);
  await d.page.evaluate(() => beacon.flush());
  await sleep(1300);
  expect(d.posts).toEqual([]);

  const cl = h.page(
    '/p/attr-cookieless',
    html(h, { title: 'attr cookieless', site, attrs: 'data-cookieless' }),
  );
  const c = await open(cl);
  const pv = await h.waitForHits((all) => all.find(on('/p/attr-cookieless')), 'attribute-cookieless view');
  expect(pv.client_id).toBeUndefined();
  expect(await traces(c)).toEqual(NONE);
});

test('unknown or paused site: the settings answer is 404 / 403, and the tracker sends and stores nothing', async () => {
  const paused = await h.addSite({});
  await h.setSiteStatus(paused, 'paused');
  for (const [site, status] of [
    ['no_such_site', 404],
    [paused, 403],
  ] as const) {
    const url = h.page(`/p/refused-${status}`, html(h, { title: 'refused', site }));
    const o = await open(url);
    expect(o.settings).toEqual([status]);
    await o.page.evaluate(() => beacon.track('anything'));
    await sleep(1300);
    expect(o.posts).toEqual([]);
    expect(await traces(o)).toEqual(NONE);
  }
});
