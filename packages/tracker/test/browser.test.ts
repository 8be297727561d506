// The tracker in a real browser (Chromium via playwright-core, found by testkit's launchChromium) against the real collector,
// Redis and PostgreSQL; every assertion reads what reached the `hits` queue. See harness.ts.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { html, setVisibility, useHarness, type QueuedHit } from './harness.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const on = (path: string) => (h: QueuedHit) => String(h.page_url).includes(path);
declare const beacon: import('../browser/types.js').Beacon;

const h = useHarness();

async function open(
  url: string,
  init?: () => void,
): Promise<{ page: Page; context: BrowserContext; batches: string[] }> {
  const context = await h.newContext({ viewport: { width: 1000, height: 800 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const batches: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/batch')) batches.push(r.postData() ?? '');
  });
  await page.goto(url);
  await page.waitForFunction(
    () => typeof (window as { beacon?: { track?: unknown } }).beacon?.track === 'function',
  );
  return { page, context, batches };
}

test('page view with ids, page fields and the 2-year client / 30-minute session cookies', async () => {
  const url = h.page('/t/pv', html(h, { title: 'Page view test' }));
  const { page, context } = await open(url + '?utm_source=news');
  const pv = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && on('/t/pv')(x)),
    'page view',
  );
  expect(pv).toMatchObject({
    site_id: h.scriptId,
    page_url: `${url}?utm_source=news`,
    page_title: 'Page view test',
    referrer: '',
    viewport_size: '1000x800',
    session_number: 1,
    language: expect.any(String),
    screen_resolution: expect.stringMatching(/^\d+x\d+$/),
    device_pixel_ratio: 1,
  });
  expect(pv.event_id).toMatch(/^[0-9a-f]{32}$/);
  expect(pv.user_agent).toMatch(/Chrome/);
  expect(typeof pv.timestamp).toBe('number');

  const cookies = Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
  const now = Date.now() / 1000;
  expect(cookies._bcn!.value).toBe(`${String(pv.client_id)}.1`);
  // The tracker asks for 2 years; Chrome caps every cookie at 400 days (renewed on each visit).
  expect(cookies._bcn!.expires - now).toBeGreaterThan(399 * 86400);
  expect(cookies._bcn_s!.value).toBe(pv.session_id);
  expect(cookies._bcn_s!.expires - now).toBeGreaterThan(1700);
  expect(cookies._bcn_s!.expires - now).toBeLessThanOrEqual(1801);

  // Same visitor, same session on the next page; an expired session cookie starts session 2.
  const next = h.page('/t/pv-next', html(h, { title: 'next' }));
  await page.goto(next);
  const pv2 = await h.waitForHits((all) => all.find(on('/t/pv-next')), 'second page view');
  expect([pv2.client_id, pv2.session_id, pv2.session_number]).toEqual([pv.client_id, pv.session_id, 1]);
  await context.clearCookies({ name: '_bcn_s' });
  const third = h.page('/t/pv-third', html(h, { title: 'third' }));
  await page.goto(third);
  const pv3 = await h.waitForHits((all) => all.find(on('/t/pv-third')), 'page view of a new session');
  expect(pv3.client_id).toBe(pv.client_id);
  expect(pv3.session_id).not.toBe(pv.session_id);
  expect(pv3.session_number).toBe(2);

  mkdirSync(fileURLToPath(new URL('../../../test-results/', import.meta.url)), { recursive: true });
  await page.screenshot({
    path: fileURLToPath(new URL('../../../test-results/tracker-page.png', import.meta.url)),
  });
});

test('SPA navigation: pushState, back (popstate) and hash routes are page views with the previous URL as referrer', async () => {
  const url = h.page('/t/spa', html(h, { title: 'SPA', attrs: 'data-hash' }));
  const { page } = await open(url);
  const first = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === url),
    'first view',
  );

  await page.evaluate(() => history.pushState({}, '', '/t/spa/two'));
  const two = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && on('/t/spa/two')(x)),
    'pushState view',
  );
  expect(two).toMatchObject({ referrer: url, session_id: first.session_id, client_id: first.client_id });
  const leftFirst = await h.waitForHits(
    (all) =>
      all.find(
        (x) =>
          x.event_name === 'engagement' &&
          (x.properties as { page_view_id?: string })?.page_view_id === first.event_id,
      ),
    'engagement of the first view',
  );
  expect(leftFirst.page_url).toBe(url);

  await page.goBack();
  await h.waitForHits(
    (all) => all.filter((x) => x.event_name === 'page_view' && x.page_url === url).length === 2,
    'popstate view',
  );

  await page.evaluate(() => (location.hash = '#/settings'));
  const hashView = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === `${url}#/settings`),
    'hash view',
  );
  expect(hashView.referrer).toBe(url);
}, 90_000);

test('engagement on visibility change: only visible seconds count, scroll depth is the maximum, exit sends the rest', async () => {
  const url = h.page(
    '/t/engage',
    html(h, { title: 'Engagement', body: '<div style="height:4000px">tall</div>' }),
  );
  const context = await h.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  await page.clock.install({ time: new Date('2026-03-01T10:00:00Z') });
  await page.clock.pauseAt(new Date('2026-03-01T10:00:01Z'));
  await page.goto(url);
  // The clock is paused (requestAnimationFrame too): no waitForFunction here; defer scripts ran before load.
  expect(await page.evaluate(() => typeof beacon)).toBe('function');
  await page.clock.runFor(1_000); // the batch timer
  const pv = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === url),
    'page view',
  );

  await page.evaluate(() => window.scrollTo(0, 1200)); // (1200 + 800) / 4000 = 50 %
  await page.clock.runFor(5_000);
  await page.evaluate(setVisibility, true);
  const ofPv = (x: QueuedHit) =>
    x.event_name === 'engagement' && (x.properties as { page_view_id?: string }).page_view_id === pv.event_id;
  const e1 = await h.waitForHits((all) => all.find(ofPv), 'engagement on hide');
  expect(e1).toMatchObject({ time_on_page: 6, scroll_depth: 50 });

  await page.clock.runFor(60_000); // hidden: not counted
  await page.evaluate(setVisibility, false);
  await page.clock.runFor(3_000);
  await page.evaluate(() => window.scrollTo(0, 4000));
  await page.evaluate(setVisibility, true);
  const e2 = await h.waitForHits((all) => all.filter(ofPv)[1], 'second engagement');
  expect(e2).toMatchObject({ time_on_page: 3, scroll_depth: 100 });

  // Page exit (pagehide) after a click: the click count still arrives.
  await page.evaluate(setVisibility, false);
  await page.click('div');
  await page.close({ runBeforeUnload: true });
  const e3 = await h.waitForHits((all) => all.filter(ofPv)[2], 'engagement on page exit');
  expect(e3).toMatchObject({ clicks: 1, time_on_page: 0 });
});

test('custom events, calls queued before the script loaded, and identify hashes email and phone in the browser', async () => {
  const stub = `<script>window.beacon=window.beacon||function(){(beacon.q=beacon.q||[]).push(arguments)};beacon('track','early_call',{from:'stub'})</script>`;
  const url = h.page('/t/events', html(h, { title: 'Events', head: stub }));
  const { page, batches } = await open(url);
  await page.evaluate(() => beacon.track('signup', { plan: 'pro', seats: 3 }));
  const signup = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'signup' && on('/t/events')(x)),
    'custom event',
  );
  expect(signup.properties).toEqual({ plan: 'pro', seats: 3 });
  await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'early_call' && on('/t/events')(x)),
    'queued early call',
  );

  await page.evaluate(() =>
    beacon.identify('user-42', { email: '  Alice@Example.COM ', phone: '+1 (555) 010-9999' }),
  );
  const id = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'identify' && on('/t/events')(x)),
    'identify',
  );
  expect(id).toMatchObject({
    user_id: 'user-42',
    email_hash: sha256('alice@example.com'),
    phone_hash: sha256('+15550109999'),
  });
  await page.evaluate(() => beacon.track('after_identify'));
  const after = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'after_identify'),
    'event after identify',
  );
  expect(after).toMatchObject({ user_id: 'user-42', email_hash: sha256('alice@example.com') });
  const sent = batches.join('\n').toLowerCase();
  expect(sent).toContain(sha256('alice@example.com'));
  expect(sent).not.toContain('alice@');
  expect(sent).not.toContain('5550109999');
  expect(sent).not.toContain('010-9999');
});

test('outbound and download clicks (extras file), forms, media and ecommerce / lead helpers', async () => {
  const body = `<a id="out" href="${h.otherHostUrl}/t/landing">partner</a>
    <a id="dl" href="/files/report.pdf" onclick="event.preventDefault()">report</a>
    <form id="signup-form" name="signup" action="#" onsubmit="event.preventDefault()"><input name="email" value="secret@example.com"><button>go</button></form>
    <video id="v" title="Intro video"></video>`;
  const url = h.page('/t/extras', html(h, { title: 'Extras', attrs: 'data-extras', body }));
  const { page, batches } = await open(url);
  await page.waitForFunction(() => typeof beacon.purchase === 'function');
  await page.click('#dl');
  const dl = await h.waitForHits((all) => all.find((x) => x.event_name === 'file_download'), 'download');
  expect(dl.properties).toEqual({ url: `${h.pagesUrl}/files/report.pdf` });

  await page.click('button');
  const form = await h.waitForHits((all) => all.find((x) => x.event_name === 'form_submit'), 'form submit');
  expect(form.properties).toMatchObject({ form_id: 'signup-form', form_name: 'signup' });
  await page.evaluate(() => document.getElementById('v')!.dispatchEvent(new Event('play')));
  const play = await h.waitForHits((all) => all.find((x) => x.event_name === 'video_play'), 'video play');
  expect(play.properties).toMatchObject({ media: 'video', title: 'Intro video' });

  await page.evaluate(() => {
    (beacon.purchase as (d: unknown) => void)({
      transaction_id: 'T-1',
      value: 99.5,
      currency: 'EUR',
      items: [{ sku: 'A', qty: 2 }],
    });
    return (beacon.lead as (d: unknown) => Promise<void>)({
      email: 'Bob@Example.com',
      company: 'Acme',
      form: 'demo',
    });
  });
  const purchase = await h.waitForHits((all) => all.find((x) => x.event_name === 'purchase'), 'purchase');
  expect(purchase.ecommerce_data).toEqual({
    transaction_id: 'T-1',
    value: 99.5,
    currency: 'EUR',
    items: [{ sku: 'A', qty: 2 }],
  });
  await page.evaluate(() => (beacon.refund as (d: unknown) => void)({ transaction_id: 'T-1', value: 20 }));
  const refund = await h.waitForHits((all) => all.find((x) => x.event_name === 'refund'), 'refund');
  expect(refund.ecommerce_data).toEqual({ transaction_id: 'T-1', value: 20 });
  const lead = await h.waitForHits((all) => all.find((x) => x.event_name === 'generate_lead'), 'lead');
  expect(lead).toMatchObject({
    lead_data: { company: 'Acme', form: 'demo' },
    email_hash: sha256('bob@example.com'),
  });

  // The outbound click navigates away; the hit still arrives (keepalive), with the engagement counters.
  await page.click('#out');
  await page.waitForURL(`${h.otherHostUrl}/t/landing`);
  const out = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'outbound_click'),
    'outbound click',
  );
  expect(out.properties).toEqual({ url: `${h.otherHostUrl}/t/landing` });
  const engaged = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'engagement' && on('/t/extras')(x)),
    'engagement of the extras page',
  );
  expect(engaged).toMatchObject({ clicks: 3, file_downloads: 1, form_submits: 1, video_plays: 1 });
  expect(batches.join('\n')).not.toContain('secret@example.com');
});

test('retry after the collector was down: the stored batch arrives once, with the same event_id', async () => {
  const url = h.page('/t/retry', html(h, { title: 'Retry' }));
  const { page } = await open(url);
  await h.waitForHits((all) => all.find(on('/t/retry')), 'page view');
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]');

  await h.stopCollector();
  const failed = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/v1/batch'));
  await page.evaluate(() => {
    beacon.track('while_down', { n: 1 });
    beacon.flush();
  });
  await failed;
  const stored = await page.evaluate(
    () => JSON.parse(localStorage.getItem('_bcn_q') ?? '[]') as { b: string }[],
  );
  expect(stored).toHaveLength(1);
  const eventId = (
    JSON.parse(stored[0]!.b) as { events: { event_name: string; event_id: string }[] }
  ).events.find((e) => e.event_name === 'while_down')!.event_id;

  await h.startCollectorAgain();
  const arrived = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'while_down'),
    'retried event',
  );
  expect(arrived.event_id).toBe(eventId);
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]');
  // A later send does not repeat it.
  await page.evaluate(() => beacon.track('after_retry'));
  await h.waitForHits((all) => all.find((x) => x.event_name === 'after_retry'), 'later event');
  expect((await h.hits()).filter((x) => x.event_id === eventId)).toHaveLength(1);
}, 90_000);

test('moving to the next page: the exit engagement of the last page is sent once, not again by the next page', async () => {
  const b = h.page('/t/nav-b', html(h, { title: 'B' }));
  const a = h.page('/t/nav-a', html(h, { title: 'A', body: `<a id="next" href="${b}">next</a>` }));
  const { page } = await open(a);
  const pvA = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === a),
    'page view A',
  );
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]'); // A has seen the collector answer
  await page.click('#next');
  await page.waitForURL(b);
  const ofA = (x: QueuedHit) =>
    x.event_name === 'engagement' &&
    (x.properties as { page_view_id?: string }).page_view_id === pvA.event_id;
  await h.waitForHits((all) => all.find(ofA), 'exit engagement of A');
  await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === b),
    'page view B',
  );
  await page.evaluate(() => beacon.track('b_done'));
  await h.waitForHits((all) => all.find((x) => x.event_name === 'b_done'), 'later event on B');
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]');
  expect((await h.hits()).filter(ofA)).toHaveLength(1);
});

test('a batch left in the outbox by a closed page is sent by the next page load', async () => {
  const url = h.page('/t/outbox', html(h, { title: 'Outbox' }));
  const { page } = await open(url);
  await h.waitForHits((all) => all.find(on('/t/outbox')), 'page view');
  const body = JSON.stringify({
    site_id: h.scriptId,
    events: [{ event_name: 'left_behind', event_id: 'f'.repeat(32), page_url: url }],
  });
  await page.evaluate(
    (b) => localStorage.setItem('_bcn_q', JSON.stringify([{ i: 'x', t: Date.now(), b }])),
    body,
  );
  await page.reload();
  const left = await h.waitForHits((all) => all.find((x) => x.event_name === 'left_behind'), 'outbox batch');
  expect(left.event_id).toBe('f'.repeat(32));
});

// Consent, Do-Not-Track / GPC, cookieless and unknown or paused sites: privacy.test.ts.

test('a batch the collector refuses (the site was paused meanwhile: 403) is dropped from the outbox, not retried', async () => {
  const site = await h.addSite({});
  const url = h.page('/t/refused', html(h, { title: 'refused', site }));
  const { page } = await open(url);
  await h.waitForHits((all) => all.find(on('/t/refused')), 'page view before the pause');
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]');
  await h.setSiteStatus(site, 'paused');
  await new Promise((r) => setTimeout(r, h.settingsDelayMs + 300));
  const refused = page.waitForResponse(
    (r) => r.url().endsWith('/v1/batch') && r.request().method() === 'POST',
  );
  await page.evaluate(() => {
    beacon.track('while_paused');
    beacon.flush();
  });
  expect((await refused).status()).toBe(403);
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]');
  expect((await h.hits()).filter((x) => x.event_name === 'while_paused')).toHaveLength(0);
});
