import { createServer, type Server } from 'node:http';
import { DEMO } from './data.js';

export interface DemoPageOptions {
  host: string;
  port: number;
  /** The tracker snippet of the demo site (renderSnippet). */
  snippet: string;
  /** Where the dashboard is, linked from the page. */
  dashboardUrl: string;
}

export interface DemoPage {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * A few pages so a visit has a path, a referrer (the previous page) and a campaign link to follow, and
 * one element of each kind the tracker reports: a custom event (a button calling beacon.track), an
 * ecommerce event, an outbound link, a file download and a form (the last three by the extras file).
 */
const PAGES: Record<string, { title: string; body: string }> = {
  '/': {
    title: 'Demo shop',
    body: `<p>Welcome to the demo shop. Every page here carries the Beacon tracker of the demo site.</p>
<p>Try each kind of element: the buttons on <a href="/pricing">Pricing</a> and the
<a href="/shop/t-shirt">T-shirt</a> page (custom and ecommerce events), the form on
<a href="/contact">Contact</a>, the <a href="/files/beacon-brochure.pdf" download>brochure (PDF download)</a>
and <a href="https://github.com/" data-outbound>Beacon on GitHub (outbound link)</a>.</p>`,
  },
  '/pricing': {
    title: 'Pricing',
    body: `<p>Starter 9 EUR, Team 29 EUR, Agency 99 EUR per month.</p>
<p><button type="button" data-track="plan_selected" data-plan="team">Choose the Team plan</button>
(sends the custom event <code>plan_selected</code> with the property <code>plan</code>)</p>`,
  },
  '/blog/launch': {
    title: 'We launched',
    body: `<p>A blog post, reached from the campaign link. Read more on
<a href="https://www.postgresql.org/">postgresql.org</a> (an outbound link).</p>`,
  },
  '/shop/t-shirt': {
    title: 'T-shirt',
    body: `<p>The Beacon T-shirt, 25 EUR.</p>
<p><button type="button" data-cart>Add to cart</button> (sends <code>add_to_cart</code> with its ecommerce data)</p>`,
  },
  '/contact': {
    title: 'Contact',
    body: `<p>Write to hello@example.com, or use the form (it sends <code>form_submit</code>, never what you type).</p>
<form id="contact" name="contact" method="post" action="/contact">
<p><label>Name <input name="name" autocomplete="off"></label></p>
<p><label>Message <textarea name="message" rows="3"></textarea></label></p>
<p><button type="submit">Send</button></p>
</form>`,
  },
};

/**
 * The demo's own buttons, wired without inline handlers, through the stub form of the tracker's API
 * (docs/tracker.md): a click before the deferred tracker ran, or before its extras file arrived
 * (addToCart lives there), is queued and sent when it does, instead of being lost or throwing.
 */
const PAGE_SCRIPT = `<script>
document.addEventListener('click', function (e) {
  var t = e.target.closest && e.target.closest('[data-track], [data-cart]');
  if (!t) return;
  if (t.hasAttribute('data-track')) beacon('track', t.getAttribute('data-track'), { plan: t.getAttribute('data-plan') });
  else beacon('addToCart', { item_id: 'tee-1', item_name: 'Beacon T-shirt', price: 25, quantity: 1, currency: '${DEMO.currency}' });
  t.textContent = 'Sent: see it on the dashboard';
});
</script>`;

/** The one-line stub of docs/tracker.md, before the snippet: keeps calls made before the tracker ran. */
const STUB =
  '<script>window.beacon=window.beacon||function(){(beacon.q=beacon.q||[]).push(arguments)}</script>';

/** The file behind the download link: a minimal valid PDF. */
const BROCHURE = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/** The tracker snippet with the extras file on (outbound links, downloads, forms, ecommerce). */
export function withExtras(snippet: string): string {
  return snippet.includes('data-extras')
    ? snippet
    : snippet.replace('<script defer ', '<script defer data-extras ');
}

function escapeHtml(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderDemoPage(
  path: string,
  opts: Pick<DemoPageOptions, 'snippet' | 'dashboardUrl'>,
): string | undefined {
  const page = PAGES[path];
  if (!page) return undefined;
  const nav = [
    '<a href="/">Home</a>',
    '<a href="/pricing">Pricing</a>',
    '<a href="/blog/launch?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=launch">Launch post (campaign link)</a>',
    '<a href="/shop/t-shirt">Shop</a>',
    '<a href="/contact">Contact</a>',
  ].join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Beacon demo</title>
${STUB}
${withExtras(opts.snippet)}
</head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; line-height: 1.5">
<nav>${nav}</nav>
<h1>${escapeHtml(page.title)}</h1>
${page.body}
<hr>
<p><small>Beacon demo page. Open the pages above, then see the visits on the
<a href="${escapeHtml(opts.dashboardUrl)}">dashboard</a> within a few seconds.</small></p>
${PAGE_SCRIPT}
</body>
</html>
`;
}

/** Serves the demo pages (plain node:http: nothing here is on a hot path). */
export async function startDemoPage(opts: DemoPageOptions): Promise<DemoPage> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/files/beacon-brochure.pdf' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, {
        'content-type': 'application/pdf',
        'content-disposition': 'attachment; filename="beacon-brochure.pdf"',
      });
      res.end(req.method === 'HEAD' ? undefined : BROCHURE);
      return;
    }
    if (path === '/contact' && req.method === 'POST') {
      // The form's content is not kept: read and dropped, then back to the page.
      req.resume();
      req.on('end', () => res.writeHead(303, { location: '/contact?sent=1' }).end());
      return;
    }
    const html = req.method === 'GET' || req.method === 'HEAD' ? renderDemoPage(path, opts) : undefined;
    if (html === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://localhost:${port}/`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
