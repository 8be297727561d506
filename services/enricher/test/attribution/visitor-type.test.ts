import { decideVisitorType, type VisitorTypeInput } from '../../src/attribution/visitor-type.js';
import { network, orgRecord } from '../fixtures.js';

const mm = (userType: string) => orgRecord({ userType });

const site = { cookieless: false, ip_anonymization: 'none' as const };
const base: VisitorTypeInput = {
  isBot: false,
  siteConfig: site,
  network: network({ asn: 7018, asnOrg: 'AT&T Services' }),
  companyIdentified: false,
};

describe('visitor_type: one test per rule (visitor-type.ts)', () => {
  it.each<[string, Partial<VisitorTypeInput>, string | null, string]>([
    [
      'bot beats everything',
      { isBot: true, companyIdentified: true, siteConfig: { cookieless: true, ip_anonymization: 'drop' } },
      'bot',
      'bot',
    ],
    [
      'cookieless site',
      { siteConfig: { cookieless: true, ip_anonymization: 'none' }, companyIdentified: true },
      'privacy_user',
      'cookieless',
    ],
    [
      'IP-dropping site',
      { siteConfig: { cookieless: false, ip_anonymization: 'drop' } },
      'privacy_user',
      'ip_dropped',
    ],
    [
      'truncating site is not a privacy mode',
      { siteConfig: { cookieless: false, ip_anonymization: 'truncate' } },
      'consumer',
      'access_provider',
    ],
    [
      'VPN',
      { network: network({ isVpn: true }), companyIdentified: true },
      'privacy_user',
      'anonymising_network',
    ],
    ['proxy', { network: network({ isProxy: true }) }, 'privacy_user', 'anonymising_network'],
    ['Tor', { network: network({ isTor: true }) }, 'privacy_user', 'anonymising_network'],
    [
      'hosting',
      { network: network({ isHosting: true, asnOrg: 'Amazon.com, Inc.' }) },
      'privacy_user',
      'anonymising_network',
    ],
    [
      'MaxMind hosting user_type',
      { network: network({ maxmind: mm('hosting') }) },
      'privacy_user',
      'privacy_user_type',
    ],
    [
      'MaxMind consumer_privacy user_type',
      { network: network({ maxmind: mm('consumer_privacy') }) },
      'privacy_user',
      'privacy_user_type',
    ],
    [
      'hosting provider by name, without a hosting flag',
      { network: network({ asnOrg: 'Umbrella Hosting Ltd' }), companyIdentified: false },
      'privacy_user',
      'hosting_network',
    ],
    ['company identified', { companyIdentified: true }, 'business', 'company'],
    [
      'MaxMind residential',
      { network: network({ asnOrg: 'Acme Corp', maxmind: mm('residential') }) },
      'consumer',
      'consumer_user_type',
    ],
    ['MaxMind cellular', { network: network({ maxmind: mm('cellular') }) }, 'consumer', 'consumer_user_type'],
    [
      'residential ISP by name',
      { network: network({ asnOrg: 'Comcast Cable Communications, LLC' }) },
      'consumer',
      'access_provider',
    ],
    [
      'mobile carrier by name',
      { network: network({ asnOrg: 'CELLCO-PART', isp: 'Verizon Wireless' }) },
      'consumer',
      'access_provider',
    ],
    [
      'known network, no company',
      { network: network({ asn: 64501, asnOrg: 'Quux Holdings Ltd' }) },
      'consumer',
      'known_network',
    ],
    ['no network info at all', { network: null }, null, 'unknown'],
    ['network looked up but nothing found', { network: network() }, null, 'unknown'],
  ])('%s', (_name, over, type, rule) => {
    expect(decideVisitorType({ ...base, ...over })).toEqual({ type, rule });
  });
});
