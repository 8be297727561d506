import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { countedEvent, customEvent } from '@beacon/db';
import { launchChromium, waitFor } from '@beacon/testkit';
import { healthOf, usePipeline } from './pipeline.js';
import { CHROME_UA } from '../user-agents.js';

// Plausible's own browser tracker (@plausible-analytics/tracker, MIT, pinned in services/cli's
// devDependencies) in headless Chromium, pointed at the collector's /api/event. It sends a pageview per
// page (an SPA navigation too) and an `engagement` event when a page view ends (SPA navigation, tab
// hidden, page left) with its engagement time `e` (ms) and scroll depth `sd`. Those must land as Beacon's
// own engagement rows of the page views: time_on_page and scroll_depth, neither a page view nor an event.
// The page posts to its own origin, which passes each body on to the collector as Plausible's proxy
// guide does and keeps a copy: the browser reports no requests of a page it is leaving.

const PLAUSIBLE_JS = readFileSync(createRequire(import.meta.url).resolve('@plausible-analytics/tracker'));
const run = randomBytes(4).toString('hex');
const domain = `plausible-browser-${run}.example`;

let site: Server;
let origin: string;
let browser: Browser;

/** Every body the page's tracker posted, in order, and the collector's answers to them. */
const sent: Record<string, unknown>[] = [];
const answers: Promise<number>[] = [];

/** A page four windows tall (2,400 px in an 800x600 viewport) tagged with the npm tracker. */
function pageHtml(): string {
  const config = { domain, endpoint: '/api/event', captureOnLocalhost: true };
  return `<!doctype html><html><head><title>Plausible page</title></head>
<body style="margin:0"><div style="height:2400px">tall</div>
<script type="module">
import { init } from '/plausible.js';
init(${JSON.stringify(config)});
</script></body></html>`;
}

// Registered before usePipeline's hooks, so these close before the pipeline does.
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => site?.close(r));
}, 60_000);

const p = usePipeline(async (pipe) => {
  const scriptId = await pipe.addSite(domain);
  site = createServer(async (req, res) => {
    if (req.url === '/api/event') {
      const body = Buffer.concat(await req.toArray()).toString();
      sent.push(JSON.parse(body));
      const forwarded = fetch(`${pipe.url}/api/event`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': req.headers['user-agent']! },
        body,
      });
      answers.push(forwarded.then((r) => r.status));
      const r = await forwarded;
      res.writeHead(r.status).end(await r.text());
    } else if (req.url === '/plausible.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(PLAUSIBLE_JS);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(pageHtml());
    }
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  // A desktop Chrome's User-Agent for the whole browser: a page's own override does not reach the
  // keepalive request it sends while it is being left (headless Chromium's own UA is a bot's).
  browser = await launchChromium({ args: [`--user-agent=${CHROME_UA}`] });
  return { scriptId };
});

const scrollTo = (page: Page, y: number) =>
  page.evaluate((top) => new Promise((r) => (scrollTo(0, top), requestAnimationFrame(r))), y);

it('stores the tracker’s engagement events as engagement of its page views, not as events', async () => {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  // The tracker ignores automated browsers unless the page says it is tested on purpose.
  await context.addInitScript(() => ((window as unknown as { __plausible: boolean }).__plausible = true));
  const page = await context.newPage();

  await page.goto(`${origin}/`);
  await waitFor('the first pageview', async () => sent.length === 1);
  await scrollTo(page, 1200); // the window's bottom at 1,800 of 2,400 px: 75 %
  await scrollTo(page, 0);
  // An SPA navigation ends the first page view (engagement) and starts the second (pageview).
  await page.evaluate(() => history.pushState({}, '', '/b'));
  await waitFor('the SPA pageview', async () => sent.length === 3);
  await scrollTo(page, 1800); // to the end: 100 %
  await new Promise((r) => setTimeout(r, 2_200)); // engaged for about two seconds
  await page.goto('about:blank'); // leaving hides the page: the second engagement event
  await waitFor('the last engagement', async () => sent.length === 4);
  await context.close();

  // The engagement and the next pageview leave together: they may arrive in either order.
  const what = sent.map((x) => `${String(x.n)} ${new URL(String(x.u)).pathname}`).sort();
  expect(what).toEqual(['engagement /', 'engagement /b', 'pageview /', 'pageview /b']);
  const engaged = (path: string) => sent.find((x) => x.n === 'engagement' && x.u === `${origin}${path}`)!;
  expect([engaged('/').sd, engaged('/b').sd]).toEqual([75, 100]);
  expect(engaged('/b').e).toBeGreaterThanOrEqual(2_000);

  expect(await Promise.all(answers)).toEqual([202, 202, 202, 202]);
  await p.settle();
  const { rows } = await p.db.pool.query(
    `SELECT event_name, page_url, time_on_page, scroll_depth FROM events WHERE site_id = $1
     ORDER BY page_url, event_name`,
    [p.scriptId],
  );
  const seconds = (path: string) => Math.round(Number(engaged(path).e) / 1000);
  expect(rows).toEqual([
    { event_name: 'engagement', page_url: `${origin}/`, time_on_page: seconds('/'), scroll_depth: 75 },
    { event_name: 'page_view', page_url: `${origin}/`, time_on_page: null, scroll_depth: null },
    { event_name: 'engagement', page_url: `${origin}/b`, time_on_page: seconds('/b'), scroll_depth: 100 },
    { event_name: 'page_view', page_url: `${origin}/b`, time_on_page: null, scroll_depth: null },
  ]);
  // What the API counts: two page views, two events (the page views), no custom event.
  const counts = await p.db.pool.query(
    `SELECT count(*) FILTER (WHERE e.event_name = 'page_view')::int AS page_views,
            count(*) FILTER (WHERE ${countedEvent('e')})::int AS events,
            count(*) FILTER (WHERE ${customEvent('e')})::int AS custom_events
     FROM events e WHERE e.site_id = $1`,
    [p.scriptId],
  );
  expect(counts.rows[0]).toEqual({ page_views: 2, events: 2, custom_events: 0 });
  expect(await healthOf(p.db, p.scriptId)).toEqual({ received: 4, stored: 4 });
}, 60_000);
