// The brand a page carries: Beacon's own, or an agency's when the dashboard is served on the agency's
// dashboard hostname (GET /v1/brand answers for the host; docs/operations.md "Agency hostname").
import { useQuery } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { get } from './api';
import type { Brand } from './types';
import { luminance, readableIn } from './contrast';

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
  if (!b) clearBrand();
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

/** The query key of the signed-in agency's own brand (the branding page refreshes it after a save). */
export const AGENCY_BRAND_KEY = ['agency-brand'] as const;

/**
 * The brand of a signed-in page: the host's when it is an agency's hostname; elsewhere the signed-in
 * agency's own once it set one (a logo, a colour, or a display name other than its name), so its
 * clients see it on the default address too; otherwise Beacon's (null). undefined while asking.
 */
export function useSignedInBrand(agencyName: string): Brand | null | undefined {
  const host = useHostBrand();
  const own = useQuery({
    queryKey: AGENCY_BRAND_KEY,
    queryFn: () => get<Brand>('/v1/agency/brand'),
    enabled: host === null,
    staleTime: 60_000,
  });
  const b = own.data;
  const custom = b && (b.logo !== null || b.primary_color !== null || b.name !== agencyName) ? b : null;
  useEffect(() => {
    if (host !== null || !custom) return;
    applyBrand(custom);
    // Signed out (the login page of this address is Beacon's) or the brand removed: Beacon's again.
    return clearBrand;
  }, [host, custom]);
  if (host !== null) return host;
  return own.isPending && !own.isError ? undefined : custom;
}

/** Beacon's own title and accent again (an agency's brand left the page). */
function clearBrand(): void {
  document.title = 'Beacon';
  setAccent(null);
}

/** The agency's name in the title bar and its colour as the accent (buttons, links, the logo dot). */
export function applyBrand(b: Brand): void {
  document.title = b.name;
  setAccent(b.primary_color);
}

const ACCENT_VARS = [
  '--accent',
  '--accent-fg',
  '--accent-fill',
  '--brand-text-light',
  '--brand-text-dark',
] as const;

/**
 * The CSS variables of a brand colour (#rrggbb): the accent (fills), a text colour readable on it (dark
 * text on a light colour, white on a dark one, whatever the colour scheme), its light fill (current
 * links), and the colour as text on each scheme's backgrounds, moved until it reads at 4.5:1 (styles.css
 * picks one as --accent-text by prefers-color-scheme; contrast.ts).
 */
export function accentVars(color: string): Record<(typeof ACCENT_VARS)[number], string> {
  // Above a relative luminance of 0.179 black text contrasts more than white.
  const light = luminance(color) > 0.179;
  return {
    '--accent': color,
    '--accent-fg': light ? '#111827' : '#ffffff',
    '--accent-fill': `color-mix(in srgb, ${color} 14%, transparent)`,
    '--brand-text-light': readableIn(color, 'light'),
    '--brand-text-dark': readableIn(color, 'dark'),
  };
}

/** The page's accent: the brand colour's, or (null) the stylesheet's own. */
function setAccent(color: string | null): void {
  const root = document.documentElement.style;
  if (!color) for (const v of ACCENT_VARS) root.removeProperty(v);
  else for (const [k, v] of Object.entries(accentVars(color))) root.setProperty(k, v);
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
