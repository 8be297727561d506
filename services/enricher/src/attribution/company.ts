import type { MaxmindOrgRecord, NetworkInfo } from '../pipeline.js';
import {
  BUSINESS_USER_TYPES,
  classifyNetworkName,
  companyNameFromNetwork,
  CONSUMER_USER_TYPES,
  PRIVACY_USER_TYPES,
} from './business-network.js';
import type { CompanyDbHit } from './company-db.js';
import type { CompanyRecord } from './company-ranges.js';

/**
 * Company identification (B2B). Sources in order; the first that names a company wins:
 *
 *  source          company_source  confidence  when
 *  agency ranges   agency_ranges   1.00        the IP is in one of the agency's own ranges (company_ip_ranges)
 *  company mmdb    maxmind         0.90        COMPANY_MMDB_PATH has a Beacon-layout company record for the IP
 *  MaxMind org     maxmind         0.80        an Enterprise/ISP record (company mmdb or the network step's
 *                                  / 0.70      Enterprise/ISP DB) whose user_type is business-like (0.80), or
 *                                              with no user_type, whose organization differs from the ISP
 *                                              and is not an access/hosting provider by name (0.70)
 *  ASN             asn             0.50        the ASN organisation is a business network by name
 *                                              (business-network.ts), and the network is not hosting
 *
 * Sources 2-3 are skipped for anonymising networks (VPN, proxy, Tor, hosting): their organisation is
 * the VPN or cloud provider, not the visitor's employer. The agency's own ranges are always trusted.
 * company_domain: from the source (lower-case); "in-addr.arpa"-style reverse-DNS artefacts are dropped.
 * An ASN match takes the GeoIP2 Domain record's domain when that database is configured.
 * industry / employee_count / revenue: from the source, completed later from the site agency's own
 * facts and the agency-neutral `companies` row of that domain (companies-directory.ts).
 */
export type CompanySource = 'agency_ranges' | 'maxmind' | 'asn';

export interface CompanyMatch {
  readonly company: CompanyRecord;
  readonly source: CompanySource;
  readonly confidence: number;
}

export const CONFIDENCE = {
  agencyRanges: 1.0,
  companyDb: 0.9,
  maxmindBusinessUserType: 0.8,
  maxmindOrganization: 0.7,
  asn: 0.5,
} as const;

export interface CompanyInput {
  /** Hit from the agency's range index (source 1). */
  readonly agencyRange: CompanyRecord | null;
  /** Hit from COMPANY_MMDB_PATH (source 2). */
  readonly companyDb: CompanyDbHit | null;
  /** What the network step found (MaxMind Enterprise/ISP record, ASN, hosting/VPN flags). */
  readonly network: NetworkInfo | null;
}

const BAD_DOMAIN = /(^|\.)(in-addr\.arpa|ip6\.arpa|localdomain|local)$/;

function cleanDomain(d: string | null | undefined): string | null {
  if (!d) return null;
  const t = d
    .trim()
    .toLowerCase()
    .replace(/^www\./, '')
    .replace(/\.$/, '');
  if (!t || BAD_DOMAIN.test(t) || !t.includes('.')) return null;
  return t;
}

function sameName(a: string | null, b: string | null): boolean {
  if (!a || !b) return false;
  const n = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return n(a) === n(b);
}

/** True when the network hides the visitor's own network (its organisation is not the visitor's). */
export function isAnonymisingNetwork(network: NetworkInfo | null): boolean {
  if (!network) return false;
  return Boolean(network.isVpn || network.isProxy || network.isTor || network.isHosting);
}

/** A MaxMind Enterprise/ISP/Domain record as a company, when it describes one (source 2b). */
export function companyFromOrgRecord(
  rec: Pick<MaxmindOrgRecord, 'organization' | 'isp' | 'domain' | 'userType'> | null,
): CompanyMatch | null {
  if (!rec || !rec.organization) return null;
  const userType = rec.userType?.toLowerCase() ?? null;
  const company: CompanyRecord = {
    name: rec.organization.trim(),
    domain: cleanDomain(rec.domain),
    industry: null,
    employeeCount: null,
    revenue: null,
  };
  if (userType) {
    if (!BUSINESS_USER_TYPES.has(userType)) return null;
    return { company, source: 'maxmind', confidence: CONFIDENCE.maxmindBusinessUserType };
  }
  // No user_type (GeoIP2 ISP): an organization that is the ISP itself names no customer.
  if (sameName(rec.organization, rec.isp)) return null;
  if (classifyNetworkName(rec.organization) !== 'business') return null;
  return { company, source: 'maxmind', confidence: CONFIDENCE.maxmindOrganization };
}

/** Applies the sources in order; null when none names a company. */
export function identifyCompany(input: CompanyInput): CompanyMatch | null {
  if (input.agencyRange) {
    const c = input.agencyRange;
    return {
      company: { ...c, domain: cleanDomain(c.domain) },
      source: 'agency_ranges',
      confidence: CONFIDENCE.agencyRanges,
    };
  }
  const network = input.network;
  if (isAnonymisingNetwork(network)) return null;
  const db = input.companyDb;
  if (db?.layout === 'company') {
    return {
      company: { ...db.company, domain: cleanDomain(db.company.domain) },
      source: 'maxmind',
      confidence: CONFIDENCE.companyDb,
    };
  }
  if (db?.layout === 'enterprise') {
    const m = companyFromOrgRecord({
      organization: db.company.name,
      isp: null,
      domain: db.company.domain,
      userType: db.userType,
    });
    if (m) return m;
  }
  const mm = network?.maxmind ?? null;
  if (mm) {
    const m = companyFromOrgRecord(mm);
    if (m) return m;
    // A MaxMind user_type that says consumer or infrastructure overrules a business-looking ASN name.
    const ut = mm.userType?.toLowerCase();
    if (ut && (CONSUMER_USER_TYPES.has(ut) || PRIVACY_USER_TYPES.has(ut))) return null;
  }
  if (network?.asnOrg && classifyNetworkName(network.asnOrg, network.isHosting) === 'business') {
    return {
      company: {
        name: companyNameFromNetwork(network.asnOrg),
        // A GeoIP2 Domain record (mm.domain) of a business network is that business's domain.
        domain: cleanDomain(mm?.domain),
        industry: null,
        employeeCount: null,
        revenue: null,
      },
      source: 'asn',
      confidence: CONFIDENCE.asn,
    };
  }
  return null;
}
