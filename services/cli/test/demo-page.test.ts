import { renderSnippet } from '@beacon/schema';
import { startDemoPage, withExtras, type DemoPage } from '../src/demo/page.js';

// Real: the demo page's HTTP server on an ephemeral port.
let page: DemoPage;
const snippet = renderSnippet('abc123def456', {
  publicUrl: 'http://localhost:8080',
  scriptPath: '/v1/beacon.js',
});
beforeAll(async () => {
  page = await startDemoPage({ host: '127.0.0.1', port: 0, snippet, dashboardUrl: 'http://localhost:3000/' });
});
afterAll(async () => {
  await page.close();
});

describe('demo page', () => {
  it('serves pages carrying the tracker snippet in <head>, and links to more pages and a campaign', async () => {
    const res = await fetch(`http://127.0.0.1:${page.port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toContain(withExtras(snippet));
    expect(head).toContain('data-extras');
    // The stub of docs/tracker.md comes first: the buttons' calls before the tracker ran are kept.
    const stub = head.indexOf(
      'window.beacon=window.beacon||function(){(beacon.q=beacon.q||[]).push(arguments)}',
    );
    expect(stub).toBeGreaterThan(-1);
    expect(stub).toBeLessThan(head.indexOf(withExtras(snippet)));
    expect(html).toContain('utm_campaign=launch');
    // One element of each kind the tracker reports.
    expect(html).toContain('href="https://github.com/"');
    expect(html).toMatch(/href="\/files\/beacon-brochure\.pdf" download/);
    for (const path of ['/pricing', '/blog/launch', '/contact']) {
      expect(html).toContain(`href="${path}`);
      const sub = await fetch(`http://127.0.0.1:${page.port}${path}?utm_source=x`);
      expect(sub.status).toBe(200);
      expect(await sub.text()).toContain(withExtras(snippet));
    }
    expect(await (await fetch(`http://127.0.0.1:${page.port}/pricing`)).text()).toContain(
      'data-track="plan_selected"',
    );
    expect(await (await fetch(`http://127.0.0.1:${page.port}/contact`)).text()).toContain(
      '<form id="contact"',
    );
    const pdf = await fetch(`http://127.0.0.1:${page.port}/files/beacon-brochure.pdf`);
    expect([pdf.status, pdf.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    const sent = await fetch(`http://127.0.0.1:${page.port}/contact`, {
      method: 'POST',
      body: 'name=x',
      redirect: 'manual',
    });
    expect([sent.status, sent.headers.get('location')]).toEqual([303, '/contact?sent=1']);
  });

  it('answers 404 for unknown paths and other methods, 204 for the favicon', async () => {
    expect((await fetch(`http://127.0.0.1:${page.port}/nope`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${page.port}/favicon.ico`)).status).toBe(204);
    expect((await fetch(`http://127.0.0.1:${page.port}/`, { method: 'POST', body: 'x' })).status).toBe(404);
  });
});
