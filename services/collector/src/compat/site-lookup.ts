import { LRUCache } from 'lru-cache';
import type { Pool } from '@beacon/db';
import { HttpError } from '@beacon/schema';
import { UnavailableError } from '../errors.js';
import { siteById, sitesByDomain } from '../sql/compat.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9.-]{1,255}$/;

/**
 * The site a compatible intake's hit names by domain or by uuid, cached for `ttlMs` (unknown ones too).
 * A domain that two sites share is refused: the hit cannot say which agency it belongs to, and the
 * first site to claim a domain must not capture another agency's traffic.
 */
export class CompatSites {
  private readonly cache: LRUCache<string, { value: string | null | 'ambiguous' }>;

  constructor(
    private readonly pool: Pool,
    ttlMs: number,
    max = 10_000,
  ) {
    this.cache = new LRUCache({ max, ttl: Math.max(1, ttlMs) });
  }

  /** "https://www.Shop.example/x", "shop.example" → "shop.example"; null when not a domain. */
  static normalise(value: unknown): string | null {
    if (typeof value !== 'string') return null;
    let v = value.trim().toLowerCase();
    if (v.includes('://')) {
      try {
        v = new URL(v).hostname;
      } catch {
        return null;
      }
    }
    v = v.replace(/:\d+$/, '').replace(/^www\./, '');
    return DOMAIN.test(v) ? v : null;
  }

  async byDomain(domain: unknown): Promise<string> {
    const d = CompatSites.normalise(domain);
    if (!d)
      throw new HttpError(400, 'invalid_domain', 'domain must be the site domain, e.g. shop.example.com');
    const v = await this.cached(`d:${d}`, async () => {
      const { rows } = await this.query<{ script_id: string }>(sitesByDomain, [d]);
      return rows.length > 1 ? 'ambiguous' : (rows[0]?.script_id ?? null);
    });
    if (v === 'ambiguous')
      throw new HttpError(
        409,
        'ambiguous_domain',
        `more than one site has domain ${d}; send its events to Beacon's own endpoints with the site_id`,
      );
    if (!v) throw new HttpError(404, 'unknown_site', `no site has domain ${d}`);
    return v;
  }

  async byId(id: string): Promise<string | null> {
    if (!UUID.test(id)) return null;
    const v = await this.cached(`i:${id.toLowerCase()}`, async () => {
      const { rows } = await this.query<{ script_id: string }>(siteById, [id]);
      return rows[0]?.script_id ?? null;
    });
    return v === 'ambiguous' ? null : v;
  }

  private async cached(
    key: string,
    load: () => Promise<string | null | 'ambiguous'>,
  ): Promise<string | null | 'ambiguous'> {
    const hit = this.cache.get(key);
    if (hit) return hit.value;
    const value = await load();
    this.cache.set(key, { value });
    return value;
  }

  private async query<R extends import('pg').QueryResultRow>(text: string, values: unknown[]) {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw new UnavailableError(
        'db_down',
        'the site could not be looked up (database unavailable); retry later',
        err as Error,
      );
    }
  }
}
