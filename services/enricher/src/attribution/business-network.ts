/**
 * Is a network name (an ASN organisation or a MaxMind organization) a business's own network, or an
 * access/hosting provider whose name says nothing about the visitor? Used by company identification
 * source (3) and by visitor_type's consumer rule. The heuristic, in order:
 *
 *  1. hosting: the caller's hosting flag (Anonymous-IP DB, else bad-asn-list / data-centre ranges) → not a business
 *  2. a name matching HOSTING_WORDS (hosting, cloud, datacenter, server, colo, vps, cdn, ...) → hosting
 *  3. a name matching ACCESS_WORDS (telecom, broadband, cable, wireless, mobile, cellular, internet
 *     service, isp, dsl, fiber, transit, backbone, ...) or naming a well-known consumer ISP or mobile
 *     carrier (ACCESS_PROVIDERS) → isp / mobile
 *  4. a name matching EDU_WORDS (university, college, school) → business (institutions are B2B targets too)
 *  5. anything else → business ("Acme Networks", "Siemens AG", "Merck KGaA")
 *
 * Step 5 errs towards "business": small regional ISPs with a bare brand name slip through, which is
 * why an ASN match carries the lowest confidence (0.50) of the three sources.
 */
export type NetworkKind = 'business' | 'isp' | 'mobile' | 'hosting';

const HOSTING_WORDS =
  /\b(hosting|hoster|host(ed|s)?|cloud|data ?cent(er|re)s?|datacenter|servers?|colo(cation)?|vps|cdn|dedicated|akamai|cloudflare|fastly|amazon|aws|digitalocean|linode|vultr|hetzner|ovh|leaseweb|contabo|scaleway|choopa|m247|datacamp|psychz|quadranet|hostinger|godaddy|rackspace|softlayer|oracle cloud|alibaba|tencent cloud|google cloud|microsoft azure)\b/i;
const MOBILE_WORDS =
  /\b(mobile|mobil|cellular|cellco|wireless|lte|5g|gsm|t-mobile|vodafone|airtel|jio|telkomsel|safaricom|mtn)\b/i;
const ACCESS_WORDS =
  /\b(tele(com|kom|communications?|comunica[cç][oõ]es|fonica|phone|net)?|telco|communications?|comunicaciones|broadband|cable(vision)?|internet( service)?s?|isp|dsl|adsl|fib(er|re)|transit|backbone|network access|kabel|vivo|claro|movistar|orange|comcast|charter|spectrum|verizon|at&t|centurylink|lumen|frontier|windstream|altice|optimum|suddenlink|mediacom|rogers|bell canada|videotron|telus|virgin media|talktalk|plusnet|proximus|swisscom|kpn|ziggo|upc|liberty global|telenor|telia|tele2|elisa|sfr|bouygues|free sas|iliad|fastweb|telefonica|hutchison|rostelecom|mts|beeline|megafon|ntt|kddi|softbank|chunghwa|hinet|singtel|starhub|optus|telstra|tpg|bsnl|reliance jio|china unicom|china mobile|chinanet|china telecom|pldt|viettel|vnpt|true internet|turk telekom|ttnet|etisalat|ooredoo|zain|stc)\b/i;
const EDU_WORDS = /\b(universit(y|ä|é|e|at|ad|à)|college|school|institute|hochschule)\b/i;

export function classifyNetworkName(
  name: string | null | undefined,
  isHosting: boolean | null = null,
): NetworkKind | null {
  if (isHosting) return 'hosting';
  if (!name || !name.trim()) return null;
  if (HOSTING_WORDS.test(name)) return 'hosting';
  if (EDU_WORDS.test(name)) return 'business';
  if (MOBILE_WORDS.test(name)) return 'mobile';
  if (ACCESS_WORDS.test(name)) return 'isp';
  return 'business';
}

/** MaxMind user_type values that describe an organisation worth naming (not an access provider). */
export const BUSINESS_USER_TYPES = new Set([
  'business',
  'government',
  'college',
  'school',
  'library',
  'military',
]);
/** MaxMind user_type values of consumer access. */
export const CONSUMER_USER_TYPES = new Set(['residential', 'cellular', 'dialup', 'cafe', 'traveler']);
/** MaxMind user_type values of privacy/hosting infrastructure. */
export const PRIVACY_USER_TYPES = new Set([
  'hosting',
  'consumer_privacy',
  'content_delivery_network',
  'search_engine_spider',
  'router',
]);

/**
 * A cleaned-up company name from a network name: "ACME-CORP-AS Acme Corporation" style ASN names keep
 * their readable part; registry suffixes like ", US" are dropped.
 */
export function companyNameFromNetwork(name: string): string {
  let n = name.trim();
  n = n.replace(/,\s*[A-Z]{2}$/, ''); // "Example Inc, US" (RIR handle suffix)
  n = n.replace(/^[A-Z0-9-]+-AS(N)?\s+/, ''); // "EXAMPLE-AS Example Inc" -> "Example Inc"
  return n.trim() || name.trim();
}
