import { createServer, type Server } from 'node:http';

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

/** A few pages so a visit has a path, a referrer (the previous page) and a campaign link to follow. */
const PAGES: Record<string, { title: string; body: string }> = {
  '/': {
    title: 'Demo shop',
    body: '<p>Welcome to the demo shop. Every page here carries the Beacon tracker of the demo site.</p>',
  },
  '/pricing': { title: 'Pricing', body: '<p>Starter 9 EUR, Team 29 EUR, Agency 99 EUR per month.</p>' },
  '/blog/launch': { title: 'We launched', body: '<p>A blog post, reached from the campaign link.</p>' },
  '/contact': { title: 'Contact', body: '<p>Write to hello@example.com.</p>' },
};

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
    '<a href="/contact">Contact</a>',
  ].join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Beacon demo</title>
${opts.snippet}
</head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; line-height: 1.5">
<nav>${nav}</nav>
<h1>${escapeHtml(page.title)}</h1>
${page.body}
<hr>
<p><small>Beacon demo page. Open the pages above, then see the visits on the
<a href="${escapeHtml(opts.dashboardUrl)}">dashboard</a> within a few seconds.</small></p>
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
