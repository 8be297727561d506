import { LRUCache } from 'lru-cache';
import { companiesSql, type Pool } from '@beacon/db';

/**
 * The `companies` table seen from the enricher: industry, employee_count and revenue of a domain, for
 * the rows whose identification source did not give them. Looked up per job (one query for the
 * domains not in cache, never one per hit) and cached with a TTL (COMPANY_CACHE_TTL_SECONDS), absent
 * domains included, so a busy enricher asks PostgreSQL about a company once per TTL.
 */
export interface CompanyDetails {
  readonly name: string | null;
  readonly industry: string | null;
  readonly employeeCount: string | null;
  readonly revenue: string | null;
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
  company_name?: unknown;
  company_domain?: unknown;
  company_industry?: unknown;
  company_employee_count?: unknown;
  company_revenue?: unknown;
}

export class CompanyDirectory {
  private readonly cache: LRUCache<string, Entry>;

  constructor(
    private readonly pool: Pool,
    private readonly opts: CompanyDirectoryOptions,
  ) {
    this.cache = new LRUCache<string, Entry>({ max: opts.max ?? 50_000, ttl: Math.max(1, opts.ttlMs) });
  }

  /** Details of the given domains (lower-case), from cache or one query for the rest. */
  async lookup(domains: Iterable<string>): Promise<Map<string, CompanyDetails>> {
    const out = new Map<string, CompanyDetails>();
    const missing: string[] = [];
    for (const d of new Set(domains)) {
      const e = this.opts.ttlMs > 0 ? this.cache.get(d) : undefined;
      if (e === undefined) {
        missing.push(d);
        this.opts.onCache?.('miss');
        continue;
      }
      this.opts.onCache?.('hit');
      if (!('absent' in e)) out.set(d, e);
    }
    if (missing.length > 0) {
      const { rows } = await this.pool.query<{
        domain: string;
        name: string | null;
        industry: string | null;
        employee_count: string | null;
        revenue: string | null;
      }>(companiesSql.companiesByDomain, [missing]);
      const found = new Map(rows.map((r) => [r.domain.toLowerCase(), r]));
      for (const d of missing) {
        const r = found.get(d);
        const entry: Entry = r
          ? { name: r.name, industry: r.industry, employeeCount: r.employee_count, revenue: r.revenue }
          : ABSENT;
        this.cache.set(d, entry);
        if (!('absent' in entry)) out.set(d, entry);
      }
    }
    return out;
  }

  /**
   * Completes the company columns of enriched rows from the `companies` rows of their domains: a
   * column the identification source left NULL takes the table's value (the source wins when both
   * have one: an agency's own CSV is more specific than a shared table). Returns how many rows changed.
   */
  async complete(rows: readonly CompanyRowFields[]): Promise<number> {
    const domains: string[] = [];
    for (const r of rows)
      if (typeof r.company_domain === 'string' && r.company_domain) domains.push(r.company_domain);
    if (domains.length === 0) return 0;
    const details = await this.lookup(domains);
    let changed = 0;
    for (const r of rows) {
      const d = typeof r.company_domain === 'string' ? details.get(r.company_domain) : undefined;
      if (!d) continue;
      let touched = false;
      if (r.company_industry == null && d.industry) {
        r.company_industry = d.industry;
        touched = true;
      }
      if (r.company_employee_count == null && d.employeeCount) {
        r.company_employee_count = d.employeeCount;
        touched = true;
      }
      if (r.company_revenue == null && d.revenue) {
        r.company_revenue = d.revenue;
        touched = true;
      }
      if (touched) changed++;
    }
    return changed;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * The firms named by a job's rows, one per domain, for EnrichedJob.companies (the writer upserts them
 * into `companies`). Rows without a domain (ASN names) name no firm row.
 */
export function companiesOfRows(rows: readonly CompanyRowFields[]): {
  domain: string;
  name: string | null;
  industry: string | null;
  employee_count: string | null;
  revenue: string | null;
}[] {
  const byDomain = new Map<
    string,
    {
      domain: string;
      name: string | null;
      industry: string | null;
      employee_count: string | null;
      revenue: string | null;
    }
  >();
  const s = (v: unknown) => (typeof v === 'string' && v ? v : null);
  for (const r of rows) {
    const domain = s(r.company_domain);
    if (!domain || byDomain.has(domain)) continue;
    byDomain.set(domain, {
      domain,
      name: s(r.company_name),
      industry: s(r.company_industry),
      employee_count: s(r.company_employee_count),
      revenue: s(r.company_revenue),
    });
  }
  return [...byDomain.values()];
}
