import { classifyNetworkName, companyNameFromNetwork } from '../../src/attribution/business-network.js';
import { CompanyDb } from '../../src/attribution/company-db.js';
import type { CompanyRecord } from '../../src/attribution/company-ranges.js';
import { companyFromOrgRecord, identifyCompany } from '../../src/attribution/company.js';
import type { NetworkInfo } from '../../src/pipeline.js';
import { mmCrafted, mmTest, network, orgRecord } from '../fixtures.js';

const mm = orgRecord;

/** identifyCompany where no agency range covers the address: the network's facts, the company DB's record. */
const unranged = (net: Partial<NetworkInfo> | null, found: ReturnType<CompanyDb['lookup']> = null) =>
  identifyCompany({ agencyRange: null, companyDb: found, network: net && network(net) });

const AGENCY_CO: CompanyRecord = {
  name: 'Stark Industries',
  domain: 'WWW.Stark.example',
  industry: 'Defense',
  employeeCount: '10000+',
  revenue: '$10B+',
};

let companyDb: CompanyDb;
let enterpriseDb: CompanyDb;
beforeAll(async () => {
  companyDb = await CompanyDb.open(mmCrafted('Beacon-Company-Test.mmdb'));
  enterpriseDb = await CompanyDb.open(mmTest('GeoIP2-Enterprise-Test.mmdb'));
});

describe('CompanyDb (COMPANY_MMDB_PATH)', () => {
  it.each([
    ['192.0.2.1', 'Acme Corporation', 'acme.example', 'Manufacturing', '1000-4999'],
    ['192.0.2.130', 'Acme Corporation (Berlin office)', 'acme.example', 'Manufacturing', '1000-4999'],
    ['198.51.100.5', 'Globex GmbH', 'globex.example', 'Financial Services', '200-499'],
    ['198.51.100.129', 'Initech', 'initech.example', 'Software', expect.any(String)],
    ['2001:db8:1::1', 'Acme Corporation', 'acme.example', 'Manufacturing', '1000-4999'],
    ['2001:db8:2::1', 'Globex GmbH', 'globex.example', 'Financial Services', '200-499'],
  ])('Beacon layout: %s -> %s', (ip, name, domain, industry, employees) => {
    expect(companyDb.lookup(ip)).toEqual({
      layout: 'company',
      userType: 'business',
      company: { name, domain, industry, employeeCount: employees, revenue: null },
    });
  });
  it.each(['203.0.113.1', '2001:db8:3::1', '8.8.8.8', 'garbage', null])('no company for %s', (ip) => {
    expect(companyDb.lookup(ip)).toBeNull();
  });
  it('reads a GeoIP2 Enterprise record as an organisation with its user_type', () => {
    expect(enterpriseDb.lookup('81.2.69.160')).toEqual({
      layout: 'enterprise',
      userType: 'government',
      company: {
        name: 'STONEHOUSE office network',
        domain: 'in-addr.arpa',
        industry: null,
        employeeCount: null,
        revenue: null,
      },
    });
    expect(enterpriseDb.lookup('74.209.24.0')?.userType).toBe('residential');
  });
});

describe('identifyCompany: source precedence', () => {
  it('1. agency ranges beat everything, confidence 1.00, domain cleaned', async () => {
    const m = identifyCompany({
      agencyRange: AGENCY_CO,
      companyDb: companyDb.lookup('192.0.2.1'),
      network: network({ asnOrg: 'Acme Corporation', isVpn: true }),
    });
    expect(m).toEqual({
      company: { ...AGENCY_CO, domain: 'stark.example' },
      source: 'agency_ranges',
      confidence: 1,
    });
  });

  it('2a. the company database comes next (0.90)', () => {
    const m = unranged(
      {
        asnOrg: 'Acme Corporation',
        maxmind: mm({ organization: 'Other Org', userType: 'business' }),
      },
      companyDb.lookup('192.0.2.1'),
    );
    expect(m).toMatchObject({
      source: 'maxmind',
      confidence: 0.9,
      company: { name: 'Acme Corporation', domain: 'acme.example' },
    });
  });

  it('2b. an Enterprise record with a business user_type (0.80); in-addr.arpa is no domain', () => {
    const m = unranged({}, enterpriseDb.lookup('81.2.69.160'));
    expect(m).toEqual({
      source: 'maxmind',
      confidence: 0.8,
      company: {
        name: 'STONEHOUSE office network',
        domain: null,
        industry: null,
        employeeCount: null,
        revenue: null,
      },
    });
    const n = unranged({
      maxmind: mm({ organization: 'Siemens AG', domain: 'siemens.com', userType: 'business' }),
    });
    expect(n).toMatchObject({
      source: 'maxmind',
      confidence: 0.8,
      company: { name: 'Siemens AG', domain: 'siemens.com' },
    });
  });

  it('2c. an ISP record without user_type names the customer when it is not the ISP (0.70)', () => {
    // GeoIP2-ISP-Test: 69.218.251.16 -> isp "AT&T Internet Services", organization "r x optical"
    const m = unranged({
      asnOrg: 'AT&T Services',
      maxmind: mm({ organization: 'r x optical', isp: 'AT&T Internet Services' }),
    });
    expect(m).toMatchObject({ source: 'maxmind', confidence: 0.7, company: { name: 'r x optical' } });
    // 1.128.0.0 -> organization = isp = "Telstra Internet": no company, and the ASN is an ISP too.
    expect(
      unranged({
        asnOrg: 'Telstra Pty Ltd',
        maxmind: mm({ organization: 'Telstra Internet', isp: 'Telstra Internet' }),
      }),
    ).toBeNull();
  });

  it('a consumer user_type stops the ASN fallback', () => {
    // GeoIP2-Enterprise-Test 74.209.24.0: residential, org "Fairpoint Communications"
    expect(
      unranged(
        {
          asnOrg: 'Acme Corp',
          maxmind: mm({ organization: 'Fairpoint Communications', userType: 'residential' }),
        },
        enterpriseDb.lookup('74.209.24.0'),
      ),
    ).toBeNull();
  });

  it('3. a business ASN organisation (0.50), name cleaned', () => {
    expect(unranged({ asn: 64496, asnOrg: 'Acme Corporation' })).toEqual({
      source: 'asn',
      confidence: 0.5,
      company: { name: 'Acme Corporation', domain: null, industry: null, employeeCount: null, revenue: null },
    });
    expect(unranged({ asnOrg: 'SIEMENS-AS Siemens AG, DE' })?.company.name).toBe('Siemens AG');
  });

  it('3. an ASN match takes the GeoIP2 Domain record of the network', () => {
    const m = unranged({ asnOrg: 'Acme Corporation', maxmind: mm({ domain: 'Acme.Example' }) });
    expect(m).toMatchObject({ source: 'asn', company: { name: 'Acme Corporation', domain: 'acme.example' } });
  });

  it.each([
    ['Globex Telecom GmbH', null],
    ['Umbrella Hosting Ltd', null],
    ['Example IPv6 Transit', null],
    ['CELLCO-PART', null],
    ['Comcast Cable Communications, LLC', null],
  ])('3. no company from the ASN name %s', (asnOrg) => {
    expect(unranged({ asnOrg })).toBeNull();
  });

  it('3. no company from a hosting ASN even with a business-like name', () => {
    expect(unranged({ asnOrg: 'Google LLC', isHosting: true })).toBeNull();
  });

  it.each([['isVpn'], ['isProxy'], ['isTor'], ['isHosting']] as const)(
    'sources 2 and 3 are skipped on an anonymising network (%s)',
    (flag) => {
      expect(
        unranged({ asnOrg: 'Acme Corporation', [flag]: true }, companyDb.lookup('192.0.2.1')),
      ).toBeNull();
    },
  );

  it('nothing known -> null', () => {
    expect(unranged(null)).toBeNull();
    expect(companyFromOrgRecord(null)).toBeNull();
  });
});

describe('classifyNetworkName', () => {
  it.each([
    ['Acme Corporation', 'business'],
    ['Merck KGaA', 'business'],
    ['Massachusetts Institute of Technology', 'business'],
    ['Stanford University', 'business'],
    ['Globex Telecom GmbH', 'isp'],
    ['Deutsche Telekom AG', 'isp'],
    ['British Telecommunications PLC', 'isp'],
    ['Charter Communications', 'isp'],
    ['AT&T Services', 'isp'],
    ['Telstra Pty Ltd', 'isp'],
    ['Verizon Business', 'isp'],
    ['T-Mobile USA, Inc.', 'mobile'],
    ['Vodafone GmbH', 'mobile'],
    ['CELLCO-PART', 'mobile'],
    ['Umbrella Hosting Ltd', 'hosting'],
    // Names from the largest ASNs of @ip-location-db/asn
    ['Ford Motor Company', 'business'],
    ['Bank of America, National Association', 'business'],
    ['Turk Telekomunikasyon Anonim Sirketi', 'isp'],
    ['PT. Telekomunikasi Selular', 'isp'],
    ['Sky UK Limited', 'isp'],
    ['Bharat Sanchar Nigam Ltd', 'isp'],
    ['China Education and Research Network Center', 'isp'],
    ['Verein zur Foerderung eines Deutschen Forschungsnetzes e.V.', 'isp'],
    ['Shenzhen Tencent Computer Systems Company Limited', 'hosting'],
    ['DigitalOcean, LLC', 'hosting'],
    ['Amazon.com, Inc.', 'hosting'],
    ['OVH SAS', 'hosting'],
    ['', null],
    [null, null],
  ])('%s -> %s', (name, kind) => {
    expect(classifyNetworkName(name)).toBe(kind);
  });
  it('the hosting flag wins over the name', () => {
    expect(classifyNetworkName('Acme Corporation', true)).toBe('hosting');
  });
  it('companyNameFromNetwork keeps readable names', () => {
    expect(companyNameFromNetwork('Acme Corporation')).toBe('Acme Corporation');
    expect(companyNameFromNetwork('ACME-AS Acme Inc, US')).toBe('Acme Inc');
  });
});
