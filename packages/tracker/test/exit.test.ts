// Hits queued in the last second before a same-tab navigation (a posting form, a custom event and
// then a link click, the exit engagement) reach the collector exactly once: real Chromium against the
// real collector, every assertion reads the `hits` queue (harness.ts).
import type { Page } from 'playwright-core';
import { html, setVisibility, useHarness, type QueuedHit } from './harness.js';

declare const beacon: import('../browser/types.js').Beacon;

const h = useHarness();

/** Opens url in a fresh context and waits until its page view reached the collector. */
async function open(url: string): Promise<{ page: Page; posts: string[]; kinds: string[] }> {
  const context = await h.newContext();
  const page = await context.newPage();
  const posts: string[] = [];
  const kinds: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/v1/batch') && r.method() === 'POST') {
      posts.push(r.postData() ?? '');
      kinds.push(r.resourceType()); // 'ping' for navigator.sendBeacon, 'fetch' otherwise
    }
  });
  await page.goto(url);
  await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === url),
    'page view',
  );
  return { page, posts, kinds };
}

/** Waits a little past the arrival so that a second copy (a double send) would be seen too. */
async function exactlyOnce(pick: (x: QueuedHit) => boolean, what: string): Promise<QueuedHit> {
  const found = await h.waitForHits((all) => all.find(pick), what);
  await new Promise((r) => setTimeout(r, 1500));
  const all = (await h.hits()).filter(pick);
  expect(all.map((x) => x.event_id)).toEqual([found.event_id]);
  return found;
}

/** Serves a page whose body (a form or a link) leads to a next page, and that next page: both urls. */
function pageLeadingTo(
  next: { path: string; title: string },
  page: { path: string; title: string; attrs?: string; body: (next: string) => string },
): { url: string; next: string } {
  const to = h.page(next.path, html(h, { title: next.title }));
  return { url: h.page(page.path, html(h, { ...page, body: page.body(to) })), next: to };
}

const engagementOf = (url: string) => (x: QueuedHit) => x.event_name === 'engagement' && x.page_url === url;

test('a form that posts and navigates away: form_submit and the exit engagement arrive once each', async () => {
  const { url, next: done } = pageLeadingTo(
    { path: '/x/form-done', title: 'thanks' },
    {
      path: '/x/form',
      title: 'Form',
      attrs: 'data-extras',
      body: (to) =>
        `<form id="f" method="post" action="${to}"><input name="q" value="x"><button id="go">send</button></form>`,
    },
  );
  const { page } = await open(url);
  await page.waitForFunction(() => typeof beacon.purchase === 'function');
  await page.click('#go');
  await page.waitForURL(done);
  const form = await exactlyOnce((x) => x.event_name === 'form_submit' && x.page_url === url, 'form_submit');
  expect(form.properties).toMatchObject({ form_id: 'f' });
  const e = await exactlyOnce(engagementOf(url), 'exit engagement of the form page');
  expect(e).toMatchObject({ form_submits: 1, clicks: 1 });
});

test('a custom event followed at once by a same-site link click arrives once', async () => {
  const { url, next } = pageLeadingTo(
    { path: '/x/next', title: 'next' },
    {
      path: '/x/cta',
      title: 'CTA',
      body: (to) => `<a id="cta" href="${to}" onclick="beacon.track('cta_click',{where:'hero'})">go</a>`,
    },
  );
  const { page } = await open(url);
  await page.click('#cta');
  await page.waitForURL(next);
  const cta = await exactlyOnce((x) => x.event_name === 'cta_click', 'custom event before the navigation');
  expect(cta).toMatchObject({ page_url: url, properties: { where: 'hero' } });
  await exactlyOnce(engagementOf(url), 'exit engagement of the CTA page');
  // The next page starts with an empty outbox: nothing was left behind to be sent twice.
  await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === next),
    'next view',
  );
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]');
});

test('pagehide, then the visibilitychange to hidden a while later: one engagement, not a second one for the time between', async () => {
  // Browsers fire pagehide before the page turns hidden. The time between the two is not visible time
  // of the page view: counted, it made a second engagement of one second (a CI run under load).
  const url = h.page('/x/hide-order', html(h, { title: 'Hide order' }));
  const { page } = await open(url);
  await page.click('h1');
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
  await page.waitForTimeout(1600); // more than any rounding remainder can hold: 1 s or more if counted
  await page.evaluate(setVisibility, true);
  const e = await exactlyOnce(engagementOf(url), 'engagement at pagehide');
  expect(e).toMatchObject({ clicks: 1 });
});

test('engagement at page exit (navigation by URL and closing the tab) arrives once', async () => {
  const url = h.page('/x/exit', html(h, { title: 'Exit' }));
  const { page } = await open(url);
  await page.click('h1');
  await page.goto(h.pagesUrl + '/x/elsewhere');
  const e = await exactlyOnce(engagementOf(url), 'engagement on navigation');
  expect(e).toMatchObject({ clicks: 1 });

  const url2 = h.page('/x/close', html(h, { title: 'Close' }));
  const second = await open(url2);
  await second.page.click('h1');
  await second.page.close({ runBeforeUnload: true });
  await exactlyOnce(engagementOf(url2), 'engagement on close');
});

test('a batch whose fetch is still under way when the page leaves is not sent again by the next page', async () => {
  const next = h.page('/x/slow-next', html(h, { title: 'slow next' }));
  const url = h.page('/x/slow', html(h, { title: 'Slow', body: `<a id="go" href="${next}">go</a>` }));
  const { page } = await open(url);
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]'); // the collector answered
  // Hold this page's next POST for a while: its answer comes after the page has gone.
  let held = 0;
  await page.route('**/v1/batch', async (route) => {
    if (route.request().method() !== 'POST' || held++) return route.continue();
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue().catch(() => undefined);
  });
  await page.evaluate(() => {
    beacon.track('in_flight');
    beacon.flush();
  });
  await page.click('#go');
  await page.waitForURL(next);
  await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === next),
    'next view',
  );
  await page.waitForFunction(() => localStorage.getItem('_bcn_q') === '[]');
  const stored = await page.evaluate(() => localStorage.getItem('_bcn_q'));
  expect(stored).toBe('[]');
  await exactlyOnce((x) => x.event_name === 'in_flight', 'the in-flight event');
});
