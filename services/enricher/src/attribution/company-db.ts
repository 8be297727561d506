import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { Reader, type Response } from 'maxmind';
import type { CompanyRecord } from './company-ranges.js';

/**
 * Source (2a) of company identification: an optional MaxMind-format company database
 * (COMPANY_MMDB_PATH), read with the `maxmind` reader (geoip2-node refuses unknown database types).
 * Two record layouts are understood:
 *  - Beacon's: { company: { name, domain, industry, employees, revenue?, country_code } }
 *  - GeoIP2 Enterprise / ISP: { traits: { organization, domain, user_type, isp } } or the flat ISP
 *    record { organization, isp }: used only when it names a business (see businessFromOrgRecord).
 * Reloading when the file changes is the runtime's job (runtime.ts, with the network's WatchedFile).
 */
export interface CompanyDbHit {
  readonly company: CompanyRecord;
  /** Beacon layout: the database says this is a company. Enterprise layout: derived from the org. */
  readonly layout: 'company' | 'enterprise';
  readonly userType: string | null;
}

interface BeaconCompanyRecord {
  company?: {
    name?: string;
    domain?: string;
    industry?: string;
    employees?: string;
    employee_count?: string;
    revenue?: string;
  };
  traits?: { organization?: string; domain?: string; user_type?: string; isp?: string };
  organization?: string;
  isp?: string;
  domain?: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

export class CompanyDb {
  private constructor(
    private readonly reader: Reader<Response>,
    readonly databaseType: string,
  ) {}

  /** Opens a database from its bytes (throws when they are not a MaxMind DB). */
  static fromBuffer(bytes: Buffer): CompanyDb {
    // Response is mmdb-lib's union of MaxMind layouts; Beacon's layout is read through a cast below.
    // The decoder caches records by offset: real traffic repeats a few thousand networks.
    const cache = new LRUCache<string | number, object>({ max: 10_000 });
    const reader = new Reader<Response>(bytes, { cache });
    return new CompanyDb(reader, reader.metadata.databaseType);
  }

  static fromFile(path: string): CompanyDb {
    return CompanyDb.fromBuffer(readFileSync(path));
  }

  static async open(path: string): Promise<CompanyDb> {
    return CompanyDb.fromBuffer(await readFile(path));
  }

  /** The record for `ip` in either layout, or null (not found, not an IP, or nothing company-like). */
  lookup(ip: string | null | undefined): CompanyDbHit | null {
    if (!ip) return null;
    let rec: BeaconCompanyRecord | null;
    try {
      rec = this.reader.get(ip) as BeaconCompanyRecord | null;
    } catch {
      return null; // not an IP address
    }
    if (!rec) return null;
    const c = rec.company;
    const name = str(c?.name);
    if (c && name) {
      return {
        layout: 'company',
        userType: 'business',
        company: {
          name,
          domain: str(c.domain)?.toLowerCase() ?? null,
          industry: str(c.industry),
          employeeCount: str(c.employees) ?? str(c.employee_count),
          revenue: str(c.revenue),
        },
      };
    }
    const t = rec.traits ?? rec;
    const org = str(t.organization);
    if (!org) return null;
    return {
      layout: 'enterprise',
      userType: str((t as { user_type?: string }).user_type),
      company: {
        name: org,
        domain: str(t.domain)?.toLowerCase() ?? null,
        industry: null,
        employeeCount: null,
        revenue: null,
      },
    };
  }
}

/** What the company step asks (a CompanyDb, or a handle that swaps one on reload). */
export interface CompanyLookup {
  lookup(ip: string | null | undefined): CompanyDbHit | null;
}
