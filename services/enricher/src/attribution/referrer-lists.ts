import { readFileSync } from 'node:fs';

/**
 * Referrer host lists. Search engines, social networks and AI assistants come from Matomo's CC0 lists
 * (data/matomo, compacted by scripts/build-matomo-lists.mjs). Webmail and ad-network hosts are not in
 * those lists; the short rules for them below are Beacon's own.
 */

/** The class of a referrer (events.referrer_class). NULL (no referrer) means a direct visit. */
export type ReferrerClass = 'search' | 'social' | 'email' | 'ai' | 'paid' | 'internal' | 'referral';

export interface ReferrerMatch {
  readonly cls: ReferrerClass;
  /** The list's name of the source ("Google", "Facebook", "ChatGPT"), null for plain referrals. */
  readonly source: string | null;
}

/**
 * Hosts missing from Matomo's lists, added by Beacon (same shape as the lists). Keep it short: a gap
 * worth fixing belongs upstream (github.com/matomo-org/searchengine-and-social-list).
 */
export const BEACON_EXTRA_LISTS: CompactLists = {
  search: {},
  social: { 'Lnk.Bio': ['lnk.bio'] },
  ai: { 'Character.AI': ['character.ai'], Poe: ['poe.com'] },
};

interface CompactLists {
  search: Record<string, string[]>;
  social: Record<string, string[]>;
  ai: Record<string, string[]>;
}

const LISTS_URL = new URL('../../data/matomo/referers.json', import.meta.url);

/**
 * Ad-serving and paid-search hosts (domain suffixes): a visit referred by them came from an ad even
 * without UTM tags.
 */
const PAID_SUFFIXES = [
  'doubleclick.net',
  'googlesyndication.com',
  'googleadservices.com',
  'adsensecustomsearchads.com',
  'syndicatedsearch.goog',
  'googleads.g.doubleclick.net',
  'ads.google.com',
  'bat.bing.com',
  'adnxs.com',
  'criteo.com',
  'taboola.com',
  'outbrain.com',
];

/** Webmail hosts (domain suffixes) whose names the label rule below would miss. */
const EMAIL_SUFFIXES = [
  'web.de',
  'mail.com',
  'outlook.live.com',
  'outlook.office.com',
  'outlook.office365.com',
  'mail.google.com',
  'mail.yahoo.com',
  'mail.aol.com',
  'mail.proton.me',
  'mail.zoho.com',
  'mail.yandex.ru',
  'e.mail.ru',
  'bluewin.ch',
];

/**
 * A host label that names a webmail front end: "mail", "webmail", "email", "mail01", "upcmail",
 * "lightmailer", "mailbusiness", "messagerie", the dereferrer of GMX/Web.de/1&1 ("deref-gmx"). A prefix
 * of at most four letters keeps news sites such as "dailymail" out.
 */
const EMAIL_LABEL = /^(?:[a-z]{0,4}mail[a-z0-9]{0,8}|lightmailer(?:-[a-z]+)?|messagerie[a-z]*\d*|deref-.+)$/;

function parentDomains(host: string): string[] {
  const out = [host];
  let i = host.indexOf('.');
  while (i >= 0 && host.indexOf('.', i + 1) >= 0) {
    out.push(host.slice(i + 1));
    i = host.indexOf('.', i + 1);
  }
  return out;
}

function hasSuffix(host: string, suffixes: readonly string[]): boolean {
  for (const s of suffixes) if (host === s || host.endsWith(`.${s}`)) return true;
  return false;
}

/** Lookup tables built once from the lists. */
export class ReferrerLists {
  /** Exact hosts (and host/path prefixes' hosts) -> source name, per class. */
  private readonly exact = new Map<string, ReferrerMatch>();
  /** Patterns with "{}" (any TLD or any sub-domain), per class. */
  private readonly wildcard = new Map<string, ReferrerMatch>();
  /** Lower-case names and brand labels of known sources, for utm_source values ("google", "fb"). */
  private readonly sourceNames = new Map<string, ReferrerMatch>();

  constructor(lists: CompactLists) {
    // Order of precedence when a host is on two lists: ai before social before search
    // (gemini.google.com is an assistant, not Google search). A pattern with a path (x.com/i/grok) never
    // takes a host that another pattern names whole (x.com is Twitter): browsers mostly send the origin.
    const wholeHosts = new Set(
      [lists.ai, lists.social, lists.search]
        .flatMap((all) => Object.values(all).flat())
        .filter((p) => !p.includes('/'))
        .map((p) => p.replace(/^www\./, '')),
    );
    const add = (cls: ReferrerClass, all: Record<string, string[]>) => {
      for (const [name, patterns] of Object.entries(all)) {
        const match = { cls, source: name };
        if (!this.sourceNames.has(name.toLowerCase())) this.sourceNames.set(name.toLowerCase(), match);
        for (const pattern of patterns) {
          const host = pattern.split('/')[0]!.replace(/^www\./, '');
          if (!host) continue;
          if (pattern.includes('/') && wholeHosts.has(host)) continue;
          const target = host.includes('{}') ? this.wildcard : this.exact;
          if (!target.has(host)) target.set(host, match);
          if (!host.includes('{}')) {
            // "facebook" from facebook.com; only from bare domains (gemini.google.com names no brand).
            const labels = host.split('.');
            const brand = labels.length === 2 ? labels[0] : undefined;
            if (brand && brand.length >= 4 && !this.sourceNames.has(brand))
              this.sourceNames.set(brand, match);
            if (!this.sourceNames.has(host)) this.sourceNames.set(host, match);
          }
        }
      }
    };
    add('ai', lists.ai);
    add('ai', BEACON_EXTRA_LISTS.ai);
    add('social', lists.social);
    add('social', BEACON_EXTRA_LISTS.social);
    add('search', lists.search);
    add('search', BEACON_EXTRA_LISTS.search);
    // Short names campaigns use in utm_source that the lists do not spell out.
    const alias = (a: string, b: string) => {
      const m = this.sourceNames.get(b);
      if (m && !this.sourceNames.has(a)) this.sourceNames.set(a, m);
    };
    alias('fb', 'facebook');
    alias('ig', 'instagram');
    alias('yt', 'youtube');
    alias('li', 'linkedin');
    alias('tw', 'twitter');
    alias('x', 'twitter');
    alias('x.com', 'twitter');
    alias('openai', 'chatgpt');
    alias('adwords', 'google');
  }

  static load(url: URL = LISTS_URL): ReferrerLists {
    return new ReferrerLists(JSON.parse(readFileSync(url, 'utf8')) as CompactLists);
  }

  /** Classifies a referrer host (lower-case, without "www."). Self-referrals are the caller's business. */
  classifyHost(host: string): ReferrerMatch {
    if (hasSuffix(host, PAID_SUFFIXES)) return { cls: 'paid', source: null };
    // A host a list names exactly wins over the webmail rule (go.mail.ru is Mail.ru's search).
    const exact = this.exact.get(host);
    if (exact) return exact;
    const labels = host.split('.');
    if (hasSuffix(host, EMAIL_SUFFIXES) || labels.slice(0, -1).some((l) => EMAIL_LABEL.test(l)))
      return { cls: 'email', source: null };
    // Exact host, then parent domains (m.facebook.com -> facebook.com), then "{}" patterns.
    for (const h of parentDomains(host)) {
      const m = this.exact.get(h);
      if (m) return m;
    }
    if (this.wildcard.size > 0) {
      for (let i = 1; i <= Math.min(2, labels.length - 1); i++) {
        // Any TLD: google.co.uk -> google.{} ; sub-domain: xx.bing.com -> {}.bing.com
        const tld = `${labels.slice(0, labels.length - i).join('.')}.{}`;
        const m1 = this.wildcard.get(tld) ?? this.wildcard.get(tld.replace(/^[^.]+\./, ''));
        if (m1) return m1;
      }
      for (let i = 1; i < labels.length - 1; i++) {
        const m2 = this.wildcard.get(`{}.${labels.slice(i).join('.')}`);
        if (m2) return m2;
      }
    }
    return { cls: 'referral', source: null };
  }

  /** What a utm_source value names ("google", "facebook.com", "chatgpt.com", "fb"), if a known source. */
  classifySourceName(value: string): ReferrerMatch | null {
    const v = value
      .trim()
      .toLowerCase()
      .replace(/^www\./, '');
    if (!v) return null;
    const named = this.sourceNames.get(v);
    if (named) return named;
    if (v.includes('.')) {
      const m = this.classifyHost(v);
      return m.cls === 'referral' ? null : m;
    }
    return null;
  }
}
