// A very small router over the History API: the path picks the page, the query string holds the view
// (range, comparison, filters) so a URL can be shared.
import { useSyncExternalStore } from 'react';

const EVENT = 'beacon:navigate';

function subscribe(fn: () => void): () => void {
  addEventListener('popstate', fn);
  addEventListener(EVENT, fn);
  return () => {
    removeEventListener('popstate', fn);
    removeEventListener(EVENT, fn);
  };
}

const snapshot = () => location.pathname + location.search;

/** The current path and query; re-renders on navigation. */
export function useLocation(): { path: string; search: URLSearchParams; href: string } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, location.origin);
  return { path: url.pathname, search: url.searchParams, href };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  dispatchEvent(new Event(EVENT));
  if (!opts.replace) scrollTo({ top: 0 });
}

/** Matches `/sites/:siteId/overview` against a path; answers the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i]!;
    const got = s[i]!;
    if (want.startsWith(':')) params[want.slice(1)] = decodeURIComponent(got);
    else if (want !== got) return null;
  }
  return params;
}
