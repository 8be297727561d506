import { LRUCache } from 'lru-cache';
import { companiesSql, type Pool } from '@beacon/db';

/**
 * The company facts the enricher completes rows with, from two tables (migration 0060):
 *  - `companies`: agency-neutral facts (company database, MaxMind, ASN), for every agency's rows;
 *  - `agency_companies`: one agency's own facts (its import, what its ranges gave), ONLY for rows of
 *    that agency's sites: another agency's facts never reach a row (issue #13).
 * Looked up per job (one query per table for the keys not in cache, never one per hit) and cached with
 * a TTL (COMPANY_CACHE_TTL_SECONDS), absent keys included, so a busy enricher asks PostgreSQL about a
 * company once per TTL. An agency's entries are dropped at once when its ranges reload (an import
 * changes both in one transaction).
 */
export interface CompanyDetails {
  readonly name: string | null;
  readonly industry: string | null;
  readonly employeeCount: string | null;
  readonly revenue: string | null;
  /** The agency marked the domain "not a company" (agency_company_overrides, migration 0120). */
  readonly notCompany?: boolean;
}

const ABSENT = Object.freeze({ absent: true as const });
type Entry = CompanyDetails | typeof ABSENT;

export interface CompanyDirectoryOptions {
  ttlMs: number;
  max?: number;
  /** Cache outcome per domain looked up (beacon_enricher_cache_total{cache="companies",result}). */
  onCache?: (result: 'hit' | 'miss') => void;
}

/** Row fields this module reads and fills (a subset of EventRow). */
export interface CompanyRowFields {
  site_id?: unknown;
  company_name?: unknown;
  company_domain?: unknown;
  company_industry?: unknown;
  company_employee_count?: unknown;
  company_revenue?: unknown;
  company_source?: unknown;
  company_confidence?: unknown;
  visitor_type?: unknown;
}

/** The agency whose site a row belongs to (null: unknown, the row gets neutral facts only). */
export type AgencyOf = (row: CompanyRowFields) => string | null | undefined;

interface FactsRow {
  domain: string;
  name: string | null;
  industry: string | null;
  employee_count: string | null;
  revenue: string | null;
  not_company?: boolean;
}

const detailsOf = (r: FactsRow): CompanyDetails => ({
  name: r.name,
  industry: r.industry,
  employeeCount: r.employee_count,
  revenue: r.revenue,
  ...(r.not_company ? { notCompany: true } : {}),
});

const COMPANY_COLUMNS = [
  'company_name',
  'company_domain',
  'company_industry',
  'company_employee_count',
  'company_revenue',
  'company_confidence',
  'company_source',
] as const;

/** Agency-scoped cache key: the agency id (a uuid, no space) then the domain. */
const agencyKey = (agencyId: string, domain: string) => `${agencyId} ${domain}`;

export class CompanyDirectory {
  private readonly cache: LRUCache<string, Entry>;
  private readonly agencyCache: LRUCache<string, Entry>;

  constructor(
    private readonly pool: Pool,
    private readonly opts: CompanyDirectoryOptions,
  ) {
    const options = { max: opts.max ?? 50_000, ttl: Math.max(1, opts.ttlMs) };
    this.cache = new LRUCache<string, Entry>(options);
    this.agencyCache = new LRUCache<string, Entry>(options);
  }

  /** Cached entries of `keys`; the keys not cached (or all, with a TTL of 0) are returned to ask for. */
  private fromCache(
    cache: LRUCache<string, Entry>,
    keys: Iterable<string>,
    out: Map<string, CompanyDetails>,
  ): string[] {
    const missing: string[] = [];
    for (const k of new Set(keys)) {
      const e = this.opts.ttlMs > 0 ? cache.get(k) : undefined;
      if (e === undefined) {
        missing.push(k);
        this.opts.onCache?.('miss');
        continue;
      }
      this.opts.onCache?.('hit');
      if (!('absent' in e)) out.set(k, e);
    }
    return missing;
  }

  private remember(
    cache: LRUCache<string, Entry>,
    missing: readonly string[],
    found: ReadonlyMap<string, CompanyDetails>,
    out: Map<string, CompanyDetails>,
  ): void {
    for (const k of missing) {
      const d = found.get(k);
      cache.set(k, d ?? ABSENT);
      if (d) out.set(k, d);
    }
  }

  /** Neutral facts (`companies`) of the given domains (lower-case), from cache or one query. */
  async lookup(domains: Iterable<string>): Promise<Map<string, CompanyDetails>> {
    const out = new Map<string, CompanyDetails>();
    const missing = this.fromCache(this.cache, domains, out);
    if (missing.length > 0) {
      const { rows } = await this.pool.query<FactsRow>(companiesSql.companiesByDomain, [missing]);
      const found = new Map(rows.map((r) => [r.domain.toLowerCase(), detailsOf(r)]));
      this.remember(this.cache, missing, found, out);
    }
    return out;
  }

  /**
   * One agency's own facts (`agency_companies`) of (agency, domain) pairs, keyed by agencyKey, from
   * cache or one query. Only ever called with the agency of the rows being completed.
   */
  async lookupAgency(
    pairs: Iterable<{ agencyId: string; domain: string }>,
  ): Promise<Map<string, CompanyDetails>> {
    const out = new Map<string, CompanyDetails>();
    const keys = [...pairs].map((p) => agencyKey(p.agencyId, p.domain));
    const missing = this.fromCache(this.agencyCache, keys, out);
    if (missing.length > 0) {
      // Split at the first space only: the agency id has none, a domain from a data file might.
      const split = missing.map((k) => [k.slice(0, k.indexOf(' ')), k.slice(k.indexOf(' ') + 1)]);
      const { rows } = await this.pool.query<FactsRow & { agency_id: string }>(
        companiesSql.agencyCompaniesByDomain,
        [split.map((s) => s[0]), split.map((s) => s[1])],
      );
      const found = new Map(rows.map((r) => [agencyKey(r.agency_id, r.domain), detailsOf(r)]));
      this.remember(this.agencyCache, missing, found, out);
    }
    return out;
  }

  /**
   * Completes the company columns of enriched rows. Per row of agency X naming domain d:
   *  - identified by X's own ranges: the range's values stay; gaps take X's facts of d, then the
   *    neutral facts of d;
   *  - identified by a neutral source: X's facts of d replace the source's industry, employee_count
   *    and revenue (an agency's own knowledge beats shared data, for that agency only); gaps take the
   *    neutral facts of d. The name stays the source's (the API shows X's name for d to X).
   *  - X marked d "not a company" (its override): the company columns are cleared and a business
   *    visitor becomes a consumer (the override's industry / size count as X's facts otherwise).
   * A row whose agency is unknown gets neutral facts only. Returns how many rows changed.
   */
  async complete(rows: readonly CompanyRowFields[], agencyOf: AgencyOf = () => null): Promise<number> {
    const domains: string[] = [];
    const pairs: { agencyId: string; domain: string }[] = [];
    const agencies: (string | null)[] = [];
    for (const r of rows) {
      const agencyId = typeof r.company_domain === 'string' && r.company_domain ? agencyOf(r) : null;
      agencies.push(agencyId ?? null);
      if (typeof r.company_domain !== 'string' || !r.company_domain) continue;
      domains.push(r.company_domain);
      if (agencyId) pairs.push({ agencyId, domain: r.company_domain });
    }
    if (domains.length === 0) return 0;
    // Both tables at once (two pooled connections): a cold job waits for one round trip, not two.
    const [neutral, own] = await Promise.all([
      this.lookup(domains),
      pairs.length > 0 ? this.lookupAgency(pairs) : new Map<string, CompanyDetails>(),
    ]);
    let changed = 0;
    rows.forEach((r, i) => {
      if (typeof r.company_domain !== 'string' || !r.company_domain) return;
      const agencyId = agencies[i];
      const mine = agencyId ? own.get(agencyKey(agencyId, r.company_domain)) : undefined;
      if (mine?.notCompany) {
        // The site's agency says this domain is an ISP / not a company: its hits name no company from
        // now on (within the cache TTL), and a business visitor becomes a consumer one.
        for (const col of COMPANY_COLUMNS) r[col] = null;
        if (r.visitor_type === 'business') r.visitor_type = 'consumer';
        changed++;
        return;
      }
      const shared = neutral.get(r.company_domain);
      if (!mine && !shared) return;
      const fromRanges = r.company_source === 'agency_ranges';
      let touched = false;
      const set = (
        col: 'company_industry' | 'company_employee_count' | 'company_revenue',
        v: string | null,
      ) => {
        if (v && r[col] !== v) {
          r[col] = v;
          touched = true;
        }
      };
      for (const [col, key] of [
        ['company_industry', 'industry'],
        ['company_employee_count', 'employeeCount'],
        ['company_revenue', 'revenue'],
      ] as const) {
        if (mine?.[key] && (!fromRanges || r[col] == null)) set(col, mine[key]);
        if (r[col] == null) set(col, shared?.[key] ?? null);
      }
      if (touched) changed++;
    });
    return changed;
  }

  /** Drops the cached facts of one agency (its ranges, and so its facts, changed). */
  forgetAgency(agencyId: string): void {
    const prefix = `${agencyId} `;
    for (const k of [...this.agencyCache.keys()]) if (k.startsWith(prefix)) this.agencyCache.delete(k);
  }

  clear(): void {
    this.cache.clear();
    this.agencyCache.clear();
  }
}

/** One firm of EnrichedJob.companies: agency-neutral, or (agency_id set) one agency's own facts. */
export interface JobCompany {
  domain: string;
  name: string | null;
  industry: string | null;
  employee_count: string | null;
  revenue: string | null;
  agency_id?: string;
}

/**
 * The firms named by a job's rows, for EnrichedJob.companies: one per domain and owner. Call it BEFORE
 * complete(): an entry carries what the identification source said, nothing completed from a table.
 * Rows identified by an agency's own ranges give entries owned by that agency (agency_id: the writer
 * stores them in agency_companies); other rows give neutral entries (the writer's `companies` upsert).
 * An agency-sourced row whose agency is unknown gives no entry at all. Rows without a domain (ASN
 * names) name no firm row.
 */
export function companiesOfRows(
  rows: readonly CompanyRowFields[],
  agencyOf: AgencyOf = () => null,
): JobCompany[] {
  const byKey = new Map<string, JobCompany>();
  const s = (v: unknown) => (typeof v === 'string' && v ? v : null);
  for (const r of rows) {
    const domain = s(r.company_domain);
    if (!domain) continue;
    let owner: string | undefined;
    if (r.company_source === 'agency_ranges') {
      owner = agencyOf(r) ?? undefined;
      if (!owner) continue;
    }
    const key = owner ? agencyKey(owner, domain) : domain;
    if (byKey.has(key)) continue;
    byKey.set(key, {
      domain,
      name: s(r.company_name),
      industry: s(r.company_industry),
      employee_count: s(r.company_employee_count),
      revenue: s(r.company_revenue),
      ...(owner ? { agency_id: owner } : {}),
    });
  }
  return [...byKey.values()];
}
