/**
 * Is a network name (an ASN organisation or a MaxMind organization) a business's own network, or an
 * access/hosting provider whose name says nothing about the visitor? Used by company identification
 * source (3) and by visitor_type's consumer rule. The heuristic, in order:
 *
 *  1. hosting: the caller's hosting flag (Anonymous-IP DB, else bad-asn-list / data-centre ranges) → not a business
 *  2. a name matching HOSTING_WORDS (hosting, cloud, datacenter, server, colo, vps, cdn, ...) → hosting
 *  3. a name matching MOBILE_WORDS (mobile, cellular, wireless, big carriers) → mobile; ACCESS_WORDS
 *     (telecom stems in many languages, broadband, cable, internet, isp, dsl, fiber, transit, backbone,
 *     research-and-education networks, well-known consumer ISPs) → isp
 *  (checked before 3) a name matching EDU_WORDS (university, college, school) → business: institutions
 *     are B2B targets too
 *  4. anything else → business ("Acme Corporation", "Siemens AG", "Merck KGaA")
 *
 * Step 4 errs towards "business": small regional ISPs with a bare brand name slip through, which is
 * why an ASN match carries the lowest confidence (0.50) of the three sources.
 */
export type NetworkKind = 'business' | 'isp' | 'mobile' | 'hosting';

const HOSTING_WORDS = new RegExp(
  [
    String.raw`\b(hosting|hoster|host(ed|s)?|cloud|data ?cent(er|re)s?|datacenter|servers?|colo(cation)?|vps|cdn|dedicated|akamai|cloudflare|fastly|amazon|aws|digitalocean|linode|vultr|hetzner|ovh|leaseweb|contabo|scaleway|choopa|m247|datacamp|psychz|quadranet|hostinger|godaddy|rackspace|softlayer|oracle cloud|alibaba|tencent|google cloud|microsoft azure)\b`,
    // "data" alone in an ASN name is a data-centre / IDC operator far more often than a customer
    // ("Liden Data", "Northsite Data"); VM / infotech brands; well-known hosters without those words
    String.raw`\b(data|\w+vm|infotech|idc|plus\.line|ionos|strato|netcup|anexia|equinix|zenlayer|hivelocity|hosthatch|iomart|ukfast|redstation|worldstream|serverius|nforce|i3d|gcore|g-core|combahton|myloc|keyweb|hostpapa|bluehost|namecheap|ovhcloud)\b`,
  ].join('|'),
  'i',
);
const MOBILE_WORDS =
  /\b(mobile|mobil|m[oó]vil|cellular|cellco|wireless|lte|5g|gsm|o2|t-mobile|vodafone|airtel|jio|telkomsel|indosat|safaricom|mtn|one new zealand)\b/i;
// Ordinary words that end in "net" / "tel" / "link" but name no network.
const NOT_NET = String.raw`(?!(planet|cabinet|magnet|bonnet|sonnet|hornet|garnet|bayonet|clarinet|signet|coronet|intel|hotel|motel|hostel|mattel|pastel|cartel|nortel|patel|mantel)\b)`;
const ACCESS_WORDS = new RegExp(
  [
    // telecom stems in many languages: telecom, telekom, telekomunikasi, telecomunicações, telefonica, ...
    String.raw`\btele(com|kom|fon|communica|comunica|kommunika|komunika|centro)\w*`,
    String.raw`\b(tele2|telco|telkom|telephone|communications?|comunications?|comunicaciones|comunica[cç](ao|ão|oes|ões)|broadband|cable(vision)?|kabel|internet( service)?s?|isp|x?dsl|fib(er|re)|fibra|ftth|transit|backbone|network access)\b`,
    // access-provider vocabulary of ASN names: "...net", "...tel", "...link", "network(s)", "svyaz"
    // (Russian: communications), "provedor(es) de acesso" (Portuguese), internet exchanges,
    // satellite carriers, municipal utilities and co-operatives selling broadband, cable TV
    String.raw`\b${NOT_NET}\w*(net|tel)\b`,
    String.raw`\b\w*(link|svyaz)\w*\b|\bnetworks?\b|\bnetworking\b|\bconnect(?!icut)\w*`,
    String.raw`\b(provedor(es)?|acesso|ix|\w+sat|satellite|stadtwerke|coop|cooperativa|tv|multimedia|online|convergence)\b`,
    // Indonesian access providers: "PT <brand> Media / Solusi / Data / Digital / ..."
    String.raw`^pt\.? .*\b(media|solusi|digital|global|nusantara|cyber|akses|teknologi)\b`,
    // Brazil has thousands of small access providers with their own ASN, named by company form
    String.raw`\b(ltda|eireli|epp)\.?\s*(-?\s*me)?\.?$|\bltda\.?\s*-?\s*me\b|\bme$`,
    // natural persons' ASNs (sole traders): small access or hosting operators, never an employer to name
    String.raw`\b(private enterprise|individual entrepreneur|fop)\b`,
    // research and education networks: universities' access providers, not a company
    String.raw`\b(research (and education )?network|education and research network|academic network|forschungsnetz\w*|jisc|surf b\.?v|renater|garr|rediris|internet2|nren|wide project)\b`,
    // well-known consumer ISPs and carriers whose names carry none of the words above
    String.raw`\b(vivo|claro|movistar|orange|comcast|charter|spectrum|verizon|at&t|centurylink|lumen|frontier|windstream|altice|optimum|suddenlink|mediacom|rogers|bell canada|videotron|telus|virgin media|sky uk|talktalk|plusnet|proximus|swisscom|kpn|ziggo|upc|liberty global|telenor|telia|elisa|sfr|bouygues|free sas|iliad|fastweb|wind tre|tim s\/?a|hutchison|rostelecom|mts|beeline|megafon|ntt|kddi|softbank|jcom|chunghwa|hinet|singtel|starhub|optus|telstra|tpg|bsnl|bharat sanchar|reliance jio|china unicom|china mobile|chinanet|china telecom|pldt|viettel|vnpt|true internet|ttnet|itissalat|etisalat|ooredoo|zain|stc|uninet|powercomm|dacom|sk broadband|kt corporation|lg uplus|tdc|comcel|arteria|hathway|act fibernet|gtpl|nos comunica|meo|digi|kyivstar|vodacom|mtn|globe telecom|smart communications)\b`,
    String.raw`\b(andrews & arnold|eircom|hyperoptic|zen internet|community fibre|gigaclear|kcom|versatel|netcologne|m-net|xs4all|odido|bahnhof|init7|sunrise|a1 telekom|magenta|cogent|level 3|hurricane electric|colt technology|retelit|sony network communications|intelsat)\b`,
  ].join('|'),
  'i',
);
const EDU_WORDS = /\b(universit(y|ä|é|e|at|ad|à|as)|college|school|institute|hochschule)\b/i;
// Public bodies name the visitor's organisation even when their network name says "network"
// ("DoD Network Information Center"): checked before the access words, like EDU_WORDS.
const GOV_WORDS =
  /\b(department|ministry|minist[eé]rio|government|dod|defen[cs]e|national aeronautics|administration|authority|city of|county of|state of|municipality|museum|library)\b/i;

export function classifyNetworkName(
  name: string | null | undefined,
  isHosting: boolean | null = null,
): NetworkKind | null {
  if (isHosting) return 'hosting';
  if (!name || !name.trim()) return null;
  if (HOSTING_WORDS.test(name)) return 'hosting';
  if (EDU_WORDS.test(name) || GOV_WORDS.test(name)) return 'business';
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
