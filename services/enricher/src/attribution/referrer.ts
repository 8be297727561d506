import type { ReferrerClass, ReferrerLists } from './referrer-lists.js';

export interface ReferrerFields {
  /** Referrer host, lower-case, without a leading "www."; null for no referrer and for self-referrals. */
  referrer_domain: string | null;
  /** null = no referrer (a direct visit); 'internal' = a self-referral. */
  referrer_class: ReferrerClass | null;
  /** The source's name in the lists ("Google"), when known. */
  referrer_source: string | null;
}

const NONE: ReferrerFields = { referrer_domain: null, referrer_class: null, referrer_source: null };

/** Lower-case host without a trailing dot and without one leading "www." (DESIGN: referrer_domain). */
export function normaliseHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^www\./, '');
}

/** The referrer's host, or null when the referrer is empty, not a URL, or not http(s)/android-app. */
export function referrerHost(referrer: unknown): string | null {
  if (typeof referrer !== 'string') return null;
  const t = referrer.trim();
  if (!t) return null;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return null;
  }
  if (url.protocol === 'android-app:') {
    // android-app://com.google.android.gm/ -> the app id stands for the host (Gmail app: email).
    return url.hostname ? url.hostname.toLowerCase() : null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const h = normaliseHost(url.hostname);
  return h || null;
}

/** Android apps that send visitors with an android-app:// referrer, by package id. */
const ANDROID_APPS: Record<string, { cls: ReferrerClass; source: string }> = {
  'com.google.android.gm': { cls: 'email', source: 'Gmail' },
  'com.microsoft.office.outlook': { cls: 'email', source: 'Outlook' },
  'com.google.android.googlequicksearchbox': { cls: 'search', source: 'Google' },
  'com.facebook.katana': { cls: 'social', source: 'Facebook' },
  'com.instagram.android': { cls: 'social', source: 'Instagram' },
  'com.linkedin.android': { cls: 'social', source: 'LinkedIn' },
  'com.twitter.android': { cls: 'social', source: 'Twitter' },
  'org.telegram.messenger': { cls: 'social', source: 'Telegram' },
  'com.openai.chatgpt': { cls: 'ai', source: 'ChatGPT' },
};

/** True when `host` is `domain` or one of its sub-domains (both normalised). */
export function isSameSite(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/**
 * referrer_domain and referrer_class of a hit. A referrer on the site's own domain, one of its
 * sub-domains, or the page's own host is a self-referral: referrer_domain null, class 'internal'.
 */
export function classifyReferrer(
  lists: ReferrerLists,
  referrer: unknown,
  siteDomain: string | null,
  pageHost: string | null,
): ReferrerFields {
  const host = referrerHost(referrer);
  if (!host) return NONE;
  const app = ANDROID_APPS[host];
  if (app && typeof referrer === 'string' && referrer.trim().toLowerCase().startsWith('android-app:'))
    return { referrer_domain: host, referrer_class: app.cls, referrer_source: app.source };
  const site = siteDomain ? normaliseHost(siteDomain) : null;
  const page = pageHost ? normaliseHost(pageHost) : null;
  if ((site && isSameSite(host, site)) || (page && isSameSite(host, page)))
    return { referrer_domain: null, referrer_class: 'internal', referrer_source: null };
  const m = lists.classifyHost(host);
  return { referrer_domain: host, referrer_class: m.cls, referrer_source: m.source };
}
