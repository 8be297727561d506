// The brand a page carries: Beacon's own, or an agency's when the dashboard is served on the agency's
// dashboard hostname (GET /v1/brand answers for the host; docs/operations.md "Agency hostname").
import { useEffect, useSyncExternalStore } from 'react';
import type { Brand } from './types';

let hostBrand: Promise<Brand | null> | null = null;
/** The host's brand as known so far: undefined while asking, null for Beacon's own. */
let known: Brand | null | undefined = undefined;
const watchers = new Set<() => void>();

function settle(b: Brand | null): void {
  known = b;
  if (b) applyBrand(b);
  for (const fn of watchers) fn();
}

/** The brand of the host this page came from, asked once per page load; null (a 204): Beacon's own. */
export function fetchHostBrand(): Promise<Brand | null> {
  hostBrand ??= fetch('/v1/brand', { credentials: 'omit' })
    .then((r) => (r.status === 200 ? (r.json() as Promise<Brand>) : null))
    .catch(() => null)
    .then((b) => {
      settle(b);
      return b;
    });
  return hostBrand;
}

/**
 * The host's brand changed while the page is open (its agency's admin saved a new one, or moved the
 * dashboard hostname away: null): every branded part of the page follows without a reload.
 */
export function setHostBrand(b: Brand | null): void {
  hostBrand = Promise.resolve(b);
  if (!b) {
    document.title = 'Beacon';
    document.documentElement.style.removeProperty('--accent');
  }
  settle(b);
}

function watch(fn: () => void): () => void {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

/**
 * The host's brand: undefined while asking (show no brand rather than Beacon's for a moment), null for
 * Beacon's own. An agency's brand also sets the page title and the accent colour.
 */
export function useHostBrand(): Brand | null | undefined {
  const brand = useSyncExternalStore(watch, () => known);
  useEffect(() => void fetchHostBrand(), []);
  return brand;
}

/** The agency's name in the title bar and its colour as the accent (buttons, links, the logo dot). */
export function applyBrand(b: Brand): void {
  document.title = b.name;
  const root = document.documentElement.style;
  if (b.primary_color) root.setProperty('--accent', b.primary_color);
  else root.removeProperty('--accent');
}

/** The brand's mark: the agency's logo (or its name), or Beacon's dot and name; nothing while unknown. */
export function BrandMark({ brand, big }: { brand: Brand | null | undefined; big?: boolean }) {
  const cls = big ? 'brand big' : 'brand';
  if (brand === undefined) return <div className={cls} aria-hidden="true" />;
  if (brand === null)
    return (
      <div className={cls}>
        <span className="logo" aria-hidden="true" />
        <span>Beacon</span>
      </div>
    );
  // The login page's big mark names the agency beside its logo; the top bar's logo says it (alt).
  return (
    <div className={cls}>
      {brand.logo && <img className="brand-logo" src={brand.logo} alt={big ? '' : brand.name} />}
      {(big || !brand.logo) && <span>{brand.name}</span>}
    </div>
  );
}

/** "Powered by Beacon" under an agency's brand, unless the agency turned it off. */
export function PoweredBy({ brand }: { brand: Brand | null | undefined }) {
  return brand?.powered_by ? <footer className="powered">Powered by Beacon</footer> : null;
}
