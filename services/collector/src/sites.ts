import { LRUCache } from 'lru-cache';
import type { Pool } from '@beacon/db';
import { HttpError, parseSiteConfig, type SiteConfig } from '@beacon/schema';
import { UnavailableError } from './errors.js';
import { siteByScriptId } from './sql/sites.js';

export interface Site {
  readonly scriptId: string;
  readonly status: 'active' | 'paused' | 'deleted';
  readonly config: SiteConfig;
  /**
   * Hosts that may send hits: allowed_origins split into exact hosts and ".suffix" patterns (from
   * "*.x" entries), lower-cased; when the list is empty, the site's domain and its subdomains.
   */
  readonly exactHosts: ReadonlySet<string>;
  readonly suffixes: readonly string[];
  /** True when allowed_origins is empty and the hosts above come from sites.domain. */
  readonly defaultOrigins: boolean;
}

type SiteRow = { script_id: string; status: Site['status']; domain: string | null; config: unknown };

/** lru-cache holds no null: an unknown id is `{ site: null }`. */
interface Entry {
  site: Site | null;
}

/** script_ids as `beacon site create` makes them; anything else is refused before a database lookup. */
const SCRIPT_ID = /^[A-Za-z0-9_-]{1,50}$/;

/**
 * Sites by script_id with a short TTL, so a paused site is refused within `ttlMs` without a query per
 * hit. Unknown ids are cached too (random ids must not reach PostgreSQL on every request). lru-cache's
 * fetch: concurrent misses share one query, the cache is bounded (least recently used go first), and
 * when PostgreSQL fails an expired entry is used rather than refusing hits of a known site.
 */
export class SiteCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    private readonly pool: Pool,
    ttlMs: number,
    max: number,
  ) {
    this.entries = new LRUCache<string, Entry>({
      max,
      ttl: Math.max(1, ttlMs),
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: (scriptId) => this.load(scriptId),
    });
  }

  /** The active site for `scriptId`, or an HttpError (400 malformed, 404 unknown, 403 paused/deleted). */
  async requireActive(scriptId: unknown): Promise<Site> {
    if (typeof scriptId !== 'string' || !SCRIPT_ID.test(scriptId)) {
      throw new HttpError(
        400,
        'invalid_site_id',
        'site_id is required: the script_id of the site (1-50 letters, digits, _ or -)',
      );
    }
    const site = await this.get(scriptId);
    if (!site) throw new HttpError(404, 'unknown_site', `no site has script_id ${scriptId}`);
    if (site.status !== 'active') {
      throw new HttpError(
        403,
        `site_${site.status}`,
        `site ${scriptId} is ${site.status}; its hits are not accepted`,
        {
          status: site.status,
        },
      );
    }
    return site;
  }

  async get(scriptId: string): Promise<Site | null> {
    try {
      return (await this.entries.fetch(scriptId))?.site ?? null;
    } catch (err) {
      // No entry, not even an expired one, to stand in while PostgreSQL is away.
      throw new UnavailableError(
        'db_down',
        'the site could not be looked up (database unavailable); retry later',
        err as Error,
      );
    }
  }

  private async load(scriptId: string): Promise<Entry> {
    const { rows } = await this.pool.query<SiteRow>(siteByScriptId, [scriptId]);
    return { site: rows[0] ? toSite(rows[0]) : null };
  }

  clear(): void {
    this.entries.clear();
  }
}

function toSite(row: SiteRow): Site {
  const config = parseSiteConfig(row.config);
  const exactHosts = new Set<string>();
  const suffixes: string[] = [];
  const defaultOrigins = config.allowed_origins.length === 0;
  // The default the settings page promises: the site's domain (www. or not) and its subdomains.
  const entries = defaultOrigins ? defaultEntries(row.domain) : config.allowed_origins;
  for (const raw of entries) {
    const host = normaliseHost(raw);
    if (host.startsWith('*.')) suffixes.push(host.slice(1));
    else if (host) exactHosts.add(host);
  }
  return {
    scriptId: row.script_id,
    status: row.status ?? 'active',
    config,
    exactHosts,
    suffixes,
    defaultOrigins,
  };
}

/** "www.shop.example" or "https://shop.example/" → ["shop.example", "*.shop.example"]. */
function defaultEntries(domain: string | null): string[] {
  const host = normaliseHost(domain ?? '').replace(/^www\./, '');
  return host ? [host, `*.${host}`] : [];
}

/** Pages on the visitor's own machine (a developer trying the snippet); no other site can send these. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** "https://Shop.Example.com:443/x" or "shop.example.com" → "shop.example.com". */
function normaliseHost(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith('*.')) return v;
  try {
    return new URL(v.includes('://') ? v : `http://${v}`).hostname;
  } catch {
    return v;
  }
}

/**
 * Whether a request from `origin` (an Origin header or a Referer URL) may send hits for `site`: the
 * host must equal an entry of allowed_origins or end with a "*." entry; with an empty list (the
 * default), the entries are the site's domain and "*." of it, and loopback hosts are accepted too.
 *
 * A request with neither Origin nor Referer: refused when the site lists origins (it asked to be
 * strict), accepted by default. Browsers send an Origin with every POST of the tracker (fetch and
 * sendBeacon), so such a request is a no-JS pixel on a page with `Referrer-Policy: no-referrer` or a
 * server-side sender; an origin check cannot tell those from a forged request anyway (any non-browser
 * client sets whatever Origin it likes): it keeps other websites' visitors' browsers out, nothing more.
 */
export function originAllowed(site: Site, origin: string | null): boolean {
  if (!origin) return site.defaultOrigins;
  if (site.exactHosts.size === 0 && site.suffixes.length === 0) return site.defaultOrigins;
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (site.exactHosts.has(host)) return true;
  if (site.defaultOrigins && LOOPBACK.has(host)) return true;
  return site.suffixes.some((s) => host.endsWith(s) || host === s.slice(1));
}
