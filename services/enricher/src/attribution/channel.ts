import type { ReferrerClass, ReferrerLists } from './referrer-lists.js';

/**
 * The acquisition channel of a hit (events.channel). The rules follow GA4's default channel grouping
 * (support.google.com/analytics/answer/9756891), cut down to Beacon's channels and evaluated top to
 * bottom; the first rule that matches wins. `source` is utm_source, else the referrer; `medium` is
 * utm_medium (lower-cased, trimmed).
 *
 *  1. display         medium is display|banner|expandable|interstitial|cpm, or a dclid click id
 *  2. paid_social     paid (below) and the source is a social network (utm_source or referrer), or a
 *                     social ad click id (ttclid, twclid, li_fat_id, epik, sccid, rdt_cid)
 *  3. paid_search     paid and the source is a search engine, or a search ad click id (gclid, gbraid,
 *                     wbraid, msclkid, yclid) — a click id alone is proof of a paid click
 *  4. other           paid but neither social nor search (GA4's "Paid Other")
 *  5. email           medium is email|e-mail|e_mail|newsletter, or source names email, or the
 *                     referrer is a webmail host
 *  6. affiliate       medium is affiliate|affiliates|partner, or an irclickid
 *  7. ai_assistant    the source is an AI assistant (ChatGPT adds utm_source=chatgpt.com), or medium ai
 *  8. organic_social  the source is a social network, or medium is social|social-network|social-media|sm
 *  9. organic_search  the source is a search engine, or medium is organic
 * 10. display         the referrer is an ad-serving host (doubleclick, googlesyndication, ...)
 * 11. referral        medium is referral|app|link, or there is an external referrer
 * 12. other           some utm_source/utm_medium/utm_campaign is set but matched nothing above
 * 13. direct          no campaign tags and no external referrer (self-referrals count as direct)
 *
 * "paid" means: medium matches ^(.*cp.*|ppc|retargeting|paid.*)$ (cpc, cpm*, cpv, paid_social, ...).
 */
export type Channel =
  | 'direct'
  | 'organic_search'
  | 'paid_search'
  | 'organic_social'
  | 'paid_social'
  | 'email'
  | 'ai_assistant'
  | 'referral'
  | 'display'
  | 'affiliate'
  | 'other';

export interface ChannelInput {
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  gclid: string | null;
  fbclid: string | null;
  ttclid: string | null;
  click_ids: Record<string, string> | null;
  referrer_class: ReferrerClass | null;
}

const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const DISPLAY_MEDIUM = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const EMAIL_MEDIUM = new Set(['email', 'e-mail', 'e_mail', 'e mail', 'newsletter', 'mail']);
const AFFILIATE_MEDIUM = new Set(['affiliate', 'affiliates', 'partner', 'partners']);
const SOCIAL_MEDIUM = new Set([
  'social',
  'social-network',
  'social-media',
  'sm',
  'social network',
  'social media',
  'social_media',
]);
const REFERRAL_MEDIUM = new Set(['referral', 'app', 'link']);
const EMAIL_SOURCE =
  /(^|[^a-z])(e-?mail|newsletter|mailchimp|klaviyo|sendgrid|hubspot_email|brevo)([^a-z]|$)/;
const SOCIAL_AD_CLICK_IDS = ['twclid', 'li_fat_id', 'epik', 'sccid', 'rdt_cid'];
const SEARCH_AD_CLICK_IDS = ['gbraid', 'wbraid', 'msclkid', 'yclid'];

function has(ids: Record<string, string> | null, names: readonly string[]): boolean {
  if (!ids) return false;
  for (const n of names) if (ids[n] !== undefined) return true;
  return false;
}

export function channelOf(lists: ReferrerLists, f: ChannelInput): Channel {
  const medium = (f.utm_medium ?? '').trim().toLowerCase();
  const sourceText = (f.utm_source ?? '').trim().toLowerCase();
  // The class of the source: utm_source when it names a known one, else the referrer's class.
  const named = sourceText ? lists.classifySourceName(sourceText) : null;
  const cls: ReferrerClass | null = named?.cls ?? (sourceText ? null : f.referrer_class);
  const referrerCls = f.referrer_class;

  if (DISPLAY_MEDIUM.has(medium) || has(f.click_ids, ['dclid'])) return 'display';
  const socialAd = f.ttclid !== null || has(f.click_ids, SOCIAL_AD_CLICK_IDS);
  const searchAd = f.gclid !== null || has(f.click_ids, SEARCH_AD_CLICK_IDS);
  const paid = PAID_MEDIUM.test(medium);
  if ((paid && (cls === 'social' || referrerCls === 'social')) || socialAd) return 'paid_social';
  if ((paid && (cls === 'search' || referrerCls === 'search')) || searchAd) return 'paid_search';
  if (paid) return 'other';
  if (EMAIL_MEDIUM.has(medium) || EMAIL_SOURCE.test(sourceText) || cls === 'email') return 'email';
  if (AFFILIATE_MEDIUM.has(medium) || has(f.click_ids, ['irclickid'])) return 'affiliate';
  if (cls === 'ai' || medium === 'ai') return 'ai_assistant';
  if (cls === 'social' || SOCIAL_MEDIUM.has(medium)) return 'organic_social';
  if (cls === 'search' || medium === 'organic') return 'organic_search';
  if (cls === 'paid') return 'display';
  if (REFERRAL_MEDIUM.has(medium) || cls === 'referral') return 'referral';
  if (sourceText || medium || (f.utm_campaign ?? '').trim()) {
    // Tagged, but the tags name nothing we know: an external referrer still makes it a referral.
    return referrerCls === 'referral' ? 'referral' : 'other';
  }
  return 'direct';
}
