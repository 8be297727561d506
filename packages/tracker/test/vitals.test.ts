// The web vitals file in a real browser (Chromium found by testkit) against the real collector: one
// `web_vitals` event per page load, sent when the page is hidden, with the metrics the browser
// measured. See harness.ts.
import { html, setVisibility, useHarness } from './harness.js';

const h = useHarness();

test('one web_vitals event per page load, on hide, with LCP/FCP/TTFB (ms) and CLS; the core is untouched', async () => {
  const vitals = `<script defer src="http://127.0.0.1:${h.collectorPort}/v1/beacon-vitals.js"></script>`;
  const url = h.page(
    '/t/vitals',
    html(h, {
      title: 'Vitals',
      head: vitals,
      body: '<h1>Largest text</h1><p style="font-size:40px">A big paragraph that is the largest contentful paint.</p><button>go</button>',
    }),
  );
  const context = await h.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(
    () => typeof (window as { beacon?: { track?: unknown } }).beacon?.track === 'function',
  );
  await page.waitForTimeout(300);
  await page.click('button');
  await page.evaluate(setVisibility, true);
  const hit = await h.waitForHits(
    (all) => all.find((x) => x.event_name === 'web_vitals'),
    'web_vitals event',
  );
  const p = hit.properties as Record<string, number>;
  for (const k of ['lcp', 'fcp', 'ttfb']) {
    expect([k, typeof p[k]]).toEqual([k, 'number']);
    expect(p[k]).toBeGreaterThanOrEqual(0);
    expect(p[k]).toBeLessThan(30_000);
  }
  expect(p.lcp).toBeGreaterThanOrEqual(p.fcp!);
  if (p.cls !== undefined) expect(p.cls).toBeGreaterThanOrEqual(0);
  expect(hit.page_url).toBe(url);
  // Hidden again and closed: still one event for this page load.
  await page.evaluate(setVisibility, false);
  await page.evaluate(setVisibility, true);
  await page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await h.hits()).filter((x) => x.event_name === 'web_vitals')).toHaveLength(1);
  // The page view went out as always.
  expect((await h.hits()).some((x) => x.event_name === 'page_view' && x.page_url === url)).toBe(true);
  await context.close();
});
