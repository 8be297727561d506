import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@beacon/observability';
import { anonymizeIp } from '../src/anonymize.js';
import { formatIp, parseIp } from '@beacon/schema';
import { createNetworkLookup, type NetworkLookup } from '../src/network/lookup.js';
import { mmCrafted, mmTest } from './fixtures.js';

// Real: @maxmind/geoip2-node and maxmind on MaxMind's test databases (packages/testkit/fixtures), the
// crafted Beacon DBs, the bundled DB-IP Lite City and @ip-location-db/asn data, the shipped network lists.

const logger = createLogger('enricher-test', 'silent');
const open: NetworkLookup[] = [];
const lookupWith = (opts: Parameters<typeof createNetworkLookup>[0]) => {
  const l = createNetworkLookup(opts);
  open.push(l);
  return l;
};
afterAll(() => open.forEach((l) => l.close()));
/**
 * A describe block's lookup over these databases (silent, not watching them), opened in its beforeAll:
 * what this answers reaches that lookup once it is open.
 */
function lookupFor(dbs: Omit<Parameters<typeof createNetworkLookup>[0], 'logger' | 'watchIntervalMs'>) {
  let l: NetworkLookup | undefined;
  beforeAll(() => {
    l = lookupWith({ logger, watchIntervalMs: 0, ...dbs });
  });
  return new Proxy({} as NetworkLookup, {
    get(_, key) {
      if (!l) throw new Error('lookupFor: the lookup opens in beforeAll; use it in a hook or test');
      const v: unknown = Reflect.get(l, key);
      return typeof v === 'function' ? v.bind(l) : v;
    },
  });
}

describe('MaxMind test databases', () => {
  const n = lookupFor({
    cityDb: mmTest('GeoIP2-City-Test.mmdb'),
    ispDb: mmTest('GeoIP2-ISP-Test.mmdb'),
    anonymousIpDb: mmTest('GeoIP2-Anonymous-IP-Test.mmdb'),
    domainDb: mmTest('GeoIP2-Domain-Test.mmdb'),
  });

  it.each([
    [
      '81.2.69.160',
      {
        country: 'GB',
        countryName: 'United Kingdom',
        city: 'London',
        region: 'England',
        timezone: 'Europe/London',
      },
    ],
    ['2.125.160.216', { country: 'GB', city: 'Boxford', timezone: 'Europe/London' }],
    ['89.160.20.112', { country: 'SE', city: 'Linköping', timezone: 'Europe/Stockholm' }],
    [
      '216.160.83.56',
      {
        country: 'US',
        city: 'Milton',
        region: 'Washington',
        postalCode: '98354',
        timezone: 'America/Los_Angeles',
      },
    ],
    ['2001:218::', { country: 'JP', city: null, timezone: 'Asia/Tokyo' }],
  ])('geo of %s', (ip, geo) => {
    expect(n.lookup(ip).geo).toMatchObject(geo);
  });

  it.each([
    ['1.128.0.0', { asn: 1221, asnOrg: 'Telstra Pty Ltd', isp: 'Telstra Internet' }],
    ['149.101.100.0', { asn: 6167, asnOrg: 'CELLCO-PART', isp: 'Verizon Wireless' }],
    ['12.81.92.0', { asn: 7018, isp: 'AT&T Services' }],
  ])('ASN and ISP of %s from the ISP database', (ip, net) => {
    expect(n.lookup(ip).network).toMatchObject(net);
  });

  it.each([
    ['81.2.69.0', { isVpn: true, isHosting: true, isProxy: true, isTor: true }],
    ['186.30.236.0', { isVpn: false, isHosting: false, isProxy: true, isTor: false }],
    ['65.0.0.0', { isVpn: false, isProxy: false, isTor: true }],
    ['1.2.0.0', { isVpn: true, isHosting: false }],
    ['6.1.0.2', { isHosting: true, isVpn: false }],
    ['89.160.20.112', { isHosting: false, isVpn: false, isProxy: false, isTor: false }],
  ])('anonymous-IP flags of %s', (ip, flags) => {
    expect(n.lookup(ip).network).toMatchObject(flags);
  });

  it('domain from the Domain database lands in the maxmind record', () => {
    expect(n.lookup('1.2.0.0').network?.maxmind).toMatchObject({ domain: 'maxmind.com' });
  });

  it('unknown and private addresses give null geo, not an error', () => {
    expect(n.lookup('10.0.0.1').geo).toBeNull();
    expect(n.lookup('not an ip')).toEqual({ ip: null, ipText: null, geo: null, network: null });
    // A leading zero is ambiguous (octal to inet_aton): no guess, no lookup (packages/schema ip.ts).
    expect(n.lookup('01.2.3.4')).toEqual({ ip: null, ipText: null, geo: null, network: null });
  });
});

describe('MaxMind Enterprise', () => {
  it('gives geo, ASN, ISP, organization, domain and user type', () => {
    const n = lookupWith({
      logger,
      enterpriseDb: mmTest('GeoIP2-Enterprise-Test.mmdb'),
      listsDir: 'none',
      watchIntervalMs: 0,
    });
    const r = n.lookup('74.209.24.0');
    expect(r.geo).toMatchObject({ country: 'US', city: 'Chatham', timezone: 'America/New_York' });
    expect(r.network).toMatchObject({
      asn: 14671,
      asnOrg: 'FairPoint Communications',
      isp: 'Fairpoint Communications',
      maxmind: {
        organization: 'Fairpoint Communications',
        domain: 'frpt.net',
        userType: 'residential',
        connectionType: 'Cable/DSL',
      },
      // no Anonymous-IP database and no lists: unknown, not false
      isHosting: null,
      isVpn: null,
    });
    expect(n.lookup('81.2.69.160').network?.maxmind).toMatchObject({
      organization: 'STONEHOUSE office network',
      userType: 'government',
    });
  });
});

describe('crafted Beacon databases', () => {
  const n = lookupFor({
    cityDb: mmCrafted('Beacon-City-Test.mmdb'),
    asnDb: mmCrafted('Beacon-ASN-Test.mmdb'),
    anonymousIpDb: mmCrafted('Beacon-Anonymous-IP-Test.mmdb'),
  });
  it.each([
    [
      '192.0.2.10',
      { country: 'US', city: 'San Francisco', postalCode: '94107', timezone: 'America/Los_Angeles' },
    ],
    ['::ffff:192.0.2.10', { country: 'US', city: 'San Francisco' }],
    ['198.51.100.200', { country: 'DE', city: 'Berlin', timezone: 'Europe/Berlin' }],
    ['203.0.113.5', { country: 'JP', city: 'Tokyo' }],
    ['2001:db8::1', { country: 'GB', city: 'London' }],
  ])('geo of %s', (ip, geo) => expect(n.lookup(ip).geo).toMatchObject(geo));
  it.each([
    ['192.0.2.1', 64496, 'Acme Networks'],
    ['198.51.100.7', 64497, 'Globex Telecom GmbH'],
    ['203.0.113.77', 64498, 'Umbrella Hosting Ltd'],
    ['2001:db8:ffff::1', 64499, 'Example IPv6 Transit'],
  ])('ASN of %s', (ip, asn, org) => expect(n.lookup(ip).network).toMatchObject({ asn, asnOrg: org }));
  it.each([
    ['203.0.113.1', { isHosting: true, isVpn: false }],
    ['203.0.113.130', { isVpn: true }],
    ['203.0.113.200', { isTor: true }],
    ['203.0.113.250', { isProxy: true }],
  ])('anonymous flags of %s', (ip, flags) => expect(n.lookup(ip).network).toMatchObject(flags));
  it('8.8.8.8 is not in the crafted city DB: geo null', () => expect(n.lookup('8.8.8.8').geo).toBeNull());
  it('canonicalises the IP text', () => expect(n.lookup('::ffff:192.0.2.10').ipText).toBe('192.0.2.10'));
});

describe('default data (no licence key): DB-IP Lite City + @ip-location-db/asn + shipped lists', () => {
  const n = lookupFor({});
  it('reports every source as loaded', () => {
    const s = Object.fromEntries(n.sources().map((x) => [x.name, x.state]));
    expect(s).toMatchObject({
      dbip_city_ipv4: 'loaded',
      dbip_city_ipv6: 'loaded',
      ip_location_db_asn: 'loaded',
      network_lists: 'loaded',
      maxmind_city: 'not_configured',
    });
  });
  it.each([
    [
      '8.8.8.8',
      { country: 'US', countryName: 'United States' },
      { asn: 15169, asnOrg: 'Google LLC', isHosting: true },
    ],
    ['1.1.1.1', { country: 'AU' }, { asn: 13335, asnOrg: 'Cloudflare, Inc.' }],
    [
      '81.2.69.160',
      { country: 'GB', city: 'London' },
      { asn: 20712, asnOrg: 'Andrews & Arnold Ltd', isHosting: false },
    ],
    ['2001:4860:4860::8888', { country: expect.any(String) }, { asn: 15169, asnOrg: 'Google LLC' }],
  ])('%s', (ip, geo, net) => {
    const r = n.lookup(ip);
    expect(r.geo).toMatchObject(geo);
    expect(r.network).toMatchObject(net);
  });
  it('Googlebot ranges are crawler ranges; iCloud Private Relay is a proxy', () => {
    expect(n.lookup('66.249.66.1').network?.isCrawlerRange).toBe(true);
    expect(n.lookup('81.2.69.160').network?.isCrawlerRange).toBe(false);
    expect(n.lookup('172.224.226.1').network?.isProxy).toBe(true);
  });
  it('caches per IP', () => {
    const before = { ...n.stats };
    n.lookup('1.1.1.1');
    n.lookup('1.1.1.1');
    expect(n.stats.hits - before.hits).toBeGreaterThanOrEqual(1);
  });
});

describe('missing and broken databases', () => {
  it('a missing file leaves its fields null and is reported', () => {
    const n = lookupWith({
      logger,
      cityDb: '/nonexistent/City.mmdb',
      defaultAsn: false,
      listsDir: 'none',
      watchIntervalMs: 0,
    });
    expect(n.lookup('81.2.69.160')).toMatchObject({ ipText: '81.2.69.160', geo: null });
    expect(n.lookup('81.2.69.160').network).toMatchObject({ asn: null, isHosting: null, isVpn: null });
    expect(n.sources().find((s) => s.name === 'maxmind_city')).toMatchObject({ state: 'missing' });
  });
  it('a database that throws on lookup gives null fields, not an error', () => {
    const n = lookupWith({
      logger,
      cityDb: mmTest('GeoIP2-City-Test-Invalid-Node-Count.mmdb'),
      listsDir: 'none',
      defaultAsn: false,
      watchIntervalMs: 0,
    });
    expect(n.lookup('81.2.69.160').geo).toBeNull();
  });
});

describe('reload on file change', () => {
  it('picks up a replaced City database without a restart and drops cached answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-geo-'));
    try {
      const path = join(dir, 'City.mmdb');
      copyFileSync(mmCrafted('Beacon-City-Test.mmdb'), path);
      const n = lookupWith({
        logger,
        cityDb: path,
        listsDir: 'none',
        defaultAsn: false,
        watchIntervalMs: 20,
      });
      expect(n.lookup('192.0.2.10').geo?.city).toBe('San Francisco');
      expect(n.lookup('81.2.69.160').geo).toBeNull();
      const tmp = join(dir, 'City.mmdb.new');
      copyFileSync(mmTest('GeoIP2-City-Test.mmdb'), tmp);
      const { renameSync } = await import('node:fs');
      renameSync(tmp, path);
      const deadline = Date.now() + 10_000;
      // The reload is noticed by polling; wait for the answer under test, not for any change.
      while (n.lookup('81.2.69.160').geo?.city !== 'London' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(n.lookup('81.2.69.160').geo?.city).toBe('London');
      expect(n.lookup('192.0.2.10').geo).toBeNull();
      expect(n.sources().find((s) => s.name === 'maxmind_city')?.state).toBe('loaded');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('IP anonymisation (applied after lookups)', () => {
  it.each([
    ['81.2.69.160', 'none', '81.2.69.160'],
    ['81.2.69.160', 'truncate', '81.2.69.0'],
    ['81.2.69.160', 'drop', null],
    ['2001:db8:1234:5678:9abc::1', 'truncate', '2001:db8:1234::'],
    ['2001:db8:1234:5678:9abc::1', 'none', '2001:db8:1234:5678:9abc::1'],
    ['::ffff:192.0.2.10', 'truncate', '192.0.2.0'],
    [null, 'truncate', null],
  ] as const)('%s with %s → %s', (ip, mode, out) => {
    const canonical = ip === null ? null : formatIp(parseIp(ip)!);
    expect(anonymizeIp(canonical, mode)).toBe(out);
  });
});
