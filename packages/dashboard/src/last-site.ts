// The site last looked at, remembered in this browser (per user): the dashboard opens on it, and the
// settings pages and the site switcher keep it, instead of the alphabetically first site.
import type { Site } from './types';

const key = (who: string) => `beacon.lastSite.${who}`;

export function rememberSite(who: string, siteId: string): void {
  try {
    localStorage.setItem(key(who), siteId);
  } catch {
    // storage off (private mode, policy): the first active site is shown instead
  }
}

/** The remembered site if it is still one of `sites`, else the first active one, else the first. */
export function lastSite(who: string, sites: readonly Site[]): Site | undefined {
  let id: string | null = null;
  try {
    id = localStorage.getItem(key(who));
  } catch {
    id = null;
  }
  return sites.find((s) => s.id === id) ?? sites.find((s) => s.status === 'active') ?? sites[0];
}
