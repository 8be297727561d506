// The brand a page carries: Beacon's own, or an agency's when the dashboard is served on the agency's
// dashboard hostname (GET /v1/brand answers for the host; docs/operations.md "Agency hostname").
import { useEffect, useState } from 'react';
import type { Brand } from './types';

let hostBrand: Promise<Brand | null> | null = null;

/** The brand of the host this page came from, asked once per page load; null (a 204): Beacon's own. */
export function fetchHostBrand(): Promise<Brand | null> {
  hostBrand ??= fetch('/v1/brand', { credentials: 'omit' })
    .then((r) => (r.status === 200 ? (r.json() as Promise<Brand>) : null))
    .catch(() => null);
  return hostBrand;
}

/**
 * The host's brand: undefined while asking (show no brand rather than Beacon's for a moment), null for
 * Beacon's own. An agency's brand also sets the page title and the accent colour.
 */
export function useHostBrand(): Brand | null | undefined {
  const [brand, setBrand] = useState<Brand | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void fetchHostBrand().then((b) => {
      if (!live) return;
      setBrand(b);
      if (b) applyBrand(b);
    });
    return () => {
      live = false;
    };
  }, []);
  return brand;
}

/** The agency's name in the title bar and its colour as the accent (buttons, links, the logo dot). */
export function applyBrand(b: Brand): void {
  document.title = b.name;
  if (b.primary_color) document.documentElement.style.setProperty('--accent', b.primary_color);
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
