import type { NetworkInfo } from '../pipeline.js';
import type { SiteConfig } from '@beacon/schema';
import { classifyNetworkName, CONSUMER_USER_TYPES, PRIVACY_USER_TYPES } from './business-network.js';

/**
 * visitor_type (events.visitor_type): the one place that decides it. Rules in order, first match wins:
 *
 *  1. bot           the bot step flagged the hit (isbot UA, crawler range, data-centre rule)
 *  2. privacy_user  the site runs in cookieless mode, or drops IPs (ip_anonymization 'drop'); or the
 *                   network is a VPN, proxy, Tor exit or hosting provider (flags of the network step,
 *                   or an ISP/ASN name of a hosting provider: business-network.ts); or MaxMind's
 *                   user_type is hosting / consumer_privacy / content_delivery_network / router
 *  3. business      a company was identified (any source of company.ts)
 *  4. consumer      the network is known and is an access provider: MaxMind user_type residential,
 *                   cellular, dialup, cafe or traveler; else the ISP/ASN name is an ISP or mobile
 *                   carrier (business-network.ts); else any known ASN or ISP that named no company
 *  5. null          nothing is known about the network (no IP, no ASN/ISP data): unknown, not a guess
 *
 * Privacy comes before business on purpose: the site asked for it (modes) or the visitor hid behind
 * a VPN/proxy, so the company of the exit network is not theirs (company.ts skips those sources too;
 * an agency range match is still stored in company_* but the type stays privacy_user).
 */
export type VisitorType = 'bot' | 'privacy_user' | 'business' | 'consumer';

export interface VisitorTypeInput {
  readonly isBot: boolean;
  readonly siteConfig: Pick<SiteConfig, 'cookieless' | 'ip_anonymization'>;
  readonly network: NetworkInfo | null;
  readonly companyIdentified: boolean;
}

/** Which rule decided (for tests and debugging): the VisitorType plus the branch. */
export interface VisitorTypeDecision {
  readonly type: VisitorType | null;
  readonly rule:
    | 'bot'
    | 'cookieless'
    | 'ip_dropped'
    | 'anonymising_network'
    | 'privacy_user_type'
    | 'hosting_network'
    | 'company'
    | 'consumer_user_type'
    | 'access_provider'
    | 'known_network'
    | 'unknown';
}

export function decideVisitorType(input: VisitorTypeInput): VisitorTypeDecision {
  if (input.isBot) return { type: 'bot', rule: 'bot' };
  if (input.siteConfig.cookieless) return { type: 'privacy_user', rule: 'cookieless' };
  if (input.siteConfig.ip_anonymization === 'drop') return { type: 'privacy_user', rule: 'ip_dropped' };
  const n = input.network;
  if (n && (n.isVpn || n.isProxy || n.isTor || n.isHosting))
    return { type: 'privacy_user', rule: 'anonymising_network' };
  const userType = n?.maxmind?.userType?.toLowerCase() ?? null;
  if (userType && PRIVACY_USER_TYPES.has(userType))
    return { type: 'privacy_user', rule: 'privacy_user_type' };
  const kind = n ? classifyNetworkName(n.isp ?? n.asnOrg) : null;
  if (kind === 'hosting') return { type: 'privacy_user', rule: 'hosting_network' };
  if (input.companyIdentified) return { type: 'business', rule: 'company' };
  if (userType && CONSUMER_USER_TYPES.has(userType)) return { type: 'consumer', rule: 'consumer_user_type' };
  if (!n) return { type: null, rule: 'unknown' };
  if (kind === 'isp' || kind === 'mobile') return { type: 'consumer', rule: 'access_provider' };
  if (n.asn !== null || n.asnOrg || n.isp || n.maxmind) return { type: 'consumer', rule: 'known_network' };
  return { type: null, rule: 'unknown' };
}

export function visitorType(input: VisitorTypeInput): VisitorType | null {
  return decideVisitorType(input).type;
}
