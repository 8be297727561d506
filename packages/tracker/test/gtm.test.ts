// The Google Tag Manager custom template (gtm/template.tpl): its sections parse as GTM's export format,
// its sandboxed code uses only APIs it holds permissions for, and the URL it injects, loaded into real
// Chromium the way injectScript does (a script element without data- attributes), tracks the site.
import { readFileSync } from 'node:fs';
import { html, useHarness } from './harness.js';

declare const beacon: import('../browser/types.js').Beacon;

const tpl = readFileSync(new URL('../gtm/template.tpl', import.meta.url), 'utf8');
const sections = Object.fromEntries(
  tpl
    .split(/^___([A-Z_]+)___$/m)
    .slice(1)
    .reduce<[string, string][]>(
      (acc, part, i, all) => (i % 2 ? acc : [...acc, [part, all[i + 1]!.trim()]]),
      [],
    ),
);

interface Permission {
  instance: {
    key: { publicId: string };
    param: { key: string; value: { listItem: { string: string }[] } }[];
  };
}

/** Runs the sandboxed code with GTM's require() and data, recording each injectScript call. */
function runTemplate(data: Record<string, unknown>): { url: string; token: string }[] {
  const calls: { url: string; token: string }[] = [];
  const apis: Record<string, unknown> = {
    encodeUriComponent: encodeURIComponent,
    injectScript: (url: string, ok: () => void, _fail: () => void, token: string) => {
      calls.push({ url, token });
      ok();
    },
  };
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (!(name in apis)) throw new Error(`unexpected API ${name}`);
    return apis[name];
  };
  new Function('require', 'data', sections.SANDBOXED_JS_FOR_WEB_TEMPLATE!)(sandboxRequire, {
    gtmOnSuccess: () => calls.push({ url: 'success', token: '' }),
    gtmOnFailure: () => undefined,
    ...data,
  });
  expect(required.sort()).toEqual(['encodeUriComponent', 'injectScript']);
  return calls;
}

test('the template has the sections of a GTM custom template export, a web tag with the site and script URL fields', () => {
  expect(Object.keys(sections)).toEqual([
    'TERMS_OF_SERVICE',
    'INFO',
    'TEMPLATE_PARAMETERS',
    'SANDBOXED_JS_FOR_WEB_TEMPLATE',
    'WEB_PERMISSIONS',
    'TESTS',
    'NOTES',
  ]);
  const info = JSON.parse(sections.INFO!) as { type: string; containerContexts: string[] };
  expect(info).toMatchObject({ type: 'TAG', containerContexts: ['WEB'] });
  const params = JSON.parse(sections.TEMPLATE_PARAMETERS!) as { name: string; defaultValue?: string }[];
  expect(params.map((p) => p.name)).toEqual(['siteId', 'scriptUrl', 'extrasUrl']);
  expect(params.find((p) => p.name === 'scriptUrl')!.defaultValue).toBe(
    'https://collector.example.com/v1/beacon.js',
  );
});

test('the only permission is inject_script, for the collector path the default script URL lies under', () => {
  const perms = JSON.parse(sections.WEB_PERMISSIONS!) as Permission[];
  expect(perms.map((p) => p.instance.key.publicId)).toEqual(['inject_script']);
  const urls = perms[0]!.instance.param.find((p) => p.key === 'urls')!.value.listItem.map((l) => l.string);
  expect(urls).toEqual(['https://collector.example.com/v1/']);
  const params = JSON.parse(sections.TEMPLATE_PARAMETERS!) as { name: string; defaultValue?: string }[];
  expect(params.find((p) => p.name === 'scriptUrl')!.defaultValue!.startsWith(urls[0]!)).toBe(true);
});

test('the sandboxed code injects the core with ?site=, then the extras file, then reports success', () => {
  expect(runTemplate({ siteId: 'st_abc', scriptUrl: 'https://c.example.com/v1/beacon.js' })).toEqual([
    { url: 'https://c.example.com/v1/beacon.js?site=st_abc', token: 'beacon' },
    { url: 'success', token: '' },
  ]);
  expect(
    runTemplate({
      siteId: 'st_abc',
      scriptUrl: 'https://c.example.com/v1/beacon.js',
      extrasUrl: 'https://c.example.com/v1/beacon-extras.js',
    }).map((c) => c.url),
  ).toEqual([
    'https://c.example.com/v1/beacon.js?site=st_abc',
    'https://c.example.com/v1/beacon-extras.js',
    'success',
  ]);
});

describe('in real Chromium', () => {
  const h = useHarness();

  test('the injected tag (no data- attributes) tracks page views and loads the extras for its site', async () => {
    const collector = `http://127.0.0.1:${h.collectorPort}/v1/`;
    const calls = runTemplate({
      siteId: h.scriptId,
      scriptUrl: `${collector}beacon.js`,
      extrasUrl: `${collector}beacon-extras.js`,
    });
    // A page without the snippet: what the template injects is added as injectScript does.
    const url = h.page(
      '/gtm/page',
      html(h, { title: 'GTM page' }).replace(/<script defer data-site[^>]*><\/script>/, ''),
    );
    const context = await h.newContext();
    const page = await context.newPage();
    await page.goto(url);
    expect(await page.evaluate(() => typeof (window as { beacon?: unknown }).beacon)).toBe('undefined');
    for (const src of calls.filter((c) => c.token).map((c) => c.url)) {
      await page.evaluate(
        (s) =>
          new Promise((resolve, reject) => {
            const el = document.createElement('script');
            el.src = s;
            el.onload = resolve;
            el.onerror = reject;
            document.head.appendChild(el);
          }),
        src,
      );
    }
    const pv = await h.waitForHits(
      (all) => all.find((x) => x.event_name === 'page_view' && x.page_url === url),
      'page view of the GTM-loaded tracker',
    );
    expect(pv.site_id).toBe(h.scriptId);
    expect(await page.evaluate(() => typeof beacon.purchase)).toBe('function');
  });
});
