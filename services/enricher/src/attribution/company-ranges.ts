import { companiesSql, type Pool } from '@beacon/db';
import { parseIp, parseIpRange } from '@beacon/schema';
import { RangeIndexBuilder, type RangeIndex } from '../network/range-index.js';

/** A company as the identification sources describe it (columns company_* of events). */
export interface CompanyRecord {
  readonly name: string;
  readonly domain: string | null;
  readonly industry: string | null;
  readonly employeeCount: string | null;
  readonly revenue: string | null;
}

interface RangeRow {
  range_start: string;
  range_end: string;
  company_name: string;
  company_domain: string | null;
  company_industry: string | null;
  company_employee_count: string | null;
  company_revenue: string | null;
  version: string | null;
}

export interface AgencyRangeStoreOptions {
  /** How often to poll company_ip_range_versions (COMPANY_RANGES_RELOAD_SECONDS), in ms. 0 = never. */
  reloadMs: number;
  /** Told about each (re)load, e.g. to log it. */
  onLoad?: (info: { agencyId: string; ranges: number; version: string }) => void;
  onError?: (err: unknown) => void;
}

/**
 * Source (1) of company identification: each agency's own IP-range -> company table
 * (company_ip_ranges), held in memory as one RangeIndex per agency. Lookups are synchronous. A poll
 * reads the small company_ip_range_versions table and reloads only the agencies whose version moved
 * (an import bumps it by trigger), so a new CSV takes effect within one poll without a restart.
 */
export class AgencyRangeStore {
  /** Per agency: its ranges, whose values are positions in `companies`. */
  private readonly indexes = new Map<string, { index: RangeIndex; companies: CompanyRecord[] }>();
  private readonly versions = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly opts: AgencyRangeStoreOptions,
  ) {}

  /** Loads every agency's ranges, then polls for changes. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.opts.reloadMs > 0) {
      this.timer = setInterval(() => {
        this.refresh().catch((err) => this.opts.onError?.(err));
      }, this.opts.reloadMs);
      this.timer.unref();
    }
  }

  /** The company of the narrowest range of `agencyId` holding `ip`, or null. */
  lookup(agencyId: string, ip: string | null | undefined): CompanyRecord | null {
    const agency = this.indexes.get(agencyId);
    const parsed = agency ? parseIp(ip) : null;
    if (!agency || !parsed) return null;
    return agency.companies[agency.index.find(parsed)] ?? null;
  }

  /** Number of agencies with ranges loaded (for /readyz detail). */
  get agencies(): number {
    return this.indexes.size;
  }

  /** One poll: reload the agencies whose version changed; forget the ones that are gone. */
  refresh(): Promise<void> {
    // Polls never overlap; a caller arriving mid-poll waits for that poll.
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const { rows } = await this.pool.query<{ agency_id: string; version: string }>(
      companiesSql.rangeVersions,
    );
    const seen = new Set<string>();
    for (const { agency_id: agencyId, version } of rows) {
      seen.add(agencyId);
      if (this.versions.get(agencyId) === version) continue;
      await this.loadAgency(agencyId);
    }
    for (const agencyId of [...this.indexes.keys()]) {
      if (!seen.has(agencyId)) {
        this.indexes.delete(agencyId);
        this.versions.delete(agencyId);
      }
    }
  }

  private async loadAgency(agencyId: string): Promise<void> {
    const { rows } = await this.pool.query<RangeRow>(companiesSql.agencyRanges, [agencyId]);
    const builder = new RangeIndexBuilder();
    const companies: CompanyRecord[] = [];
    for (const r of rows) {
      const start = parseIpRange(r.range_start);
      const end = parseIpRange(r.range_end);
      builder.add({ family: start.family, start: start.start, end: end.start }, companies.length);
      companies.push({
        name: r.company_name,
        domain: r.company_domain,
        industry: r.company_industry,
        employeeCount: r.company_employee_count,
        revenue: r.company_revenue,
      });
    }
    const version = rows[0]?.version ?? (await this.currentVersion(agencyId));
    if (companies.length === 0) this.indexes.delete(agencyId);
    else this.indexes.set(agencyId, { index: builder.build(), companies });
    this.versions.set(agencyId, version);
    this.opts.onLoad?.({ agencyId, ranges: companies.length, version });
  }

  private async currentVersion(agencyId: string): Promise<string> {
    const { rows } = await this.pool.query<{ agency_id: string; version: string }>(
      companiesSql.rangeVersions,
    );
    return rows.find((r) => r.agency_id === agencyId)?.version ?? '0';
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
