import type { Pool } from '@beacon/db';
import { parseSiteConfig, type SiteConfig } from '@beacon/schema';
import type { SiteInfo } from './pipeline.js';
import { selectSites } from './sql/sites.js';

export interface CachedSite {
  readonly info: SiteInfo;
  readonly config: SiteConfig;
}

/**
 * Site rows (status, domain, parsed config) cached for `ttlMs`: one query per job for the sites not in
 * the cache, never one per hit. Unknown script_ids are cached as null for the same time. A config
 * change therefore takes effect within the TTL.
 */
export class SiteCache {
  private readonly entries = new Map<string, { site: CachedSite | null; expires: number }>();
  stats = { hits: 0, misses: 0 };

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs: number,
  ) {}

  async getMany(scriptIds: Iterable<string>): Promise<Map<string, CachedSite | null>> {
    const now = Date.now();
    const out = new Map<string, CachedSite | null>();
    const missing: string[] = [];
    for (const id of scriptIds) {
      if (out.has(id)) continue;
      const e = this.entries.get(id);
      if (e && e.expires > now) {
        this.stats.hits++;
        out.set(id, e.site);
      } else {
        this.stats.misses++;
        out.set(id, null);
        missing.push(id);
      }
    }
    if (missing.length > 0) {
      const { rows } = await this.pool.query<{
        id: string;
        agency_id: string;
        domain: string;
        script_id: string;
        status: string;
        config: unknown;
      }>(selectSites, [missing]);
      const found = new Map(rows.map((r) => [r.script_id, r]));
      for (const id of missing) {
        const r = found.get(id);
        const site: CachedSite | null = r
          ? {
              info: {
                id: r.id,
                agencyId: r.agency_id,
                scriptId: r.script_id,
                domain: r.domain,
                status: r.status,
              },
              config: parseSiteConfig(r.config),
            }
          : null;
        out.set(id, site);
        this.entries.set(id, { site, expires: now + this.ttlMs });
      }
      if (this.entries.size > 100_000) this.entries.clear();
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
  }
}
