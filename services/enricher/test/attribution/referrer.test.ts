import { readFileSync } from 'node:fs';
import { fixtureJson } from '@beacon/testkit';
import { ReferrerLists, type ReferrerClass } from '../../src/attribution/referrer-lists.js';
import { classifyReferrer, referrerHost } from '../../src/attribution/referrer.js';

const lists = ReferrerLists.load();

/**
 * Beacon's own referrer cases (packages/testkit/fixtures/referrers, MIT): real referrer URLs of search
 * engines, social networks and AI assistants named in Matomo's CC0 lists, webmail, ad servers, plain
 * referrals and self-referrals, each with the class and the list's source name expected. They replace
 * the GPL referer-parser cases, which the repository may not carry.
 */
interface ReferrerCase {
  uri: string;
  class: ReferrerClass;
  source: string | null;
}
const SITE = 'beacon-demo.example';
const cases = fixtureJson<ReferrerCase[]>('referrers/referrer-cases.json');

describe('referrer_class and referrer_source on real referrer URLs', () => {
  it('has cases of every class', () => {
    expect(new Set(cases.map((c) => c.class))).toEqual(
      new Set(['search', 'social', 'ai', 'email', 'paid', 'referral', 'internal']),
    );
  });
  it.each(cases.map((c) => [c.uri, c.class, c.source] as const))('%s -> %s %s', (uri, cls, source) => {
    const r = classifyReferrer(lists, uri, SITE, `www.${SITE}`);
    expect([r.referrer_class, r.referrer_source]).toEqual([cls, source]);
  });
  it('a list pattern with a path does not take a host another list names whole (x.com is Twitter)', () => {
    // Matomo lists Grok as x.com/i/grok; browsers mostly send only the origin https://x.com/.
    expect(classifyReferrer(lists, 'https://x.com/', SITE, null).referrer_source).toBe('Twitter');
  });
});

describe('referrer_domain', () => {
  it.each([
    ['https://www.Google.com/search?q=x', 'google.com'],
    ['https://WWW.EXAMPLE.org./path', 'example.org'],
    ['https://www.www.example.org/', 'www.example.org'],
    ['http://news.ycombinator.com/item?id=1', 'news.ycombinator.com'],
    ['https://[2001:db8::1]:8443/x', '[2001:db8::1]'],
    ['', null],
    ['not a url', null],
    ['javascript:alert(1)', null],
    [null, null],
    [42, null],
  ])('%s -> %s', (ref, domain) => {
    expect(classifyReferrer(lists, ref, 'shop.test', null).referrer_domain).toBe(domain);
  });

  it.each([
    ['https://shop.test/cart', 'shop.test'],
    ['https://www.shop.test/', 'shop.test'],
    ['https://blog.shop.test/post', 'shop.test'],
    ['https://WWW.SHOP.TEST/', 'www.shop.test'],
    ['https://cdn.landing.example/', 'shop.test'], // the page's own host (a second domain of the site)
  ])('self-referral %s on site %s: no domain, class internal', (ref, site) => {
    const r = classifyReferrer(lists, ref, site, 'cdn.landing.example');
    expect(r).toEqual({ referrer_domain: null, referrer_class: 'internal', referrer_source: null });
  });

  it('a look-alike domain is not a self-referral', () => {
    const r = classifyReferrer(lists, 'https://notshop.test/', 'shop.test', 'shop.test');
    expect(r.referrer_domain).toBe('notshop.test');
    expect(r.referrer_class).toBe('referral');
  });

  it('names the source when a list knows it', () => {
    expect(classifyReferrer(lists, 'https://www.bing.com/search?q=a', 'x.test', null)).toMatchObject({
      referrer_class: 'search',
      referrer_source: 'Bing',
    });
    expect(classifyReferrer(lists, 'https://m.facebook.com/', 'x.test', null)).toMatchObject({
      referrer_class: 'social',
    });
    expect(classifyReferrer(lists, 'https://chatgpt.com/', 'x.test', null)).toMatchObject({
      referrer_class: 'ai',
      referrer_source: 'ChatGPT',
    });
    // An assistant on a search engine's domain is an assistant.
    expect(classifyReferrer(lists, 'https://gemini.google.com/app', 'x.test', null).referrer_class).toBe(
      'ai',
    );
    expect(classifyReferrer(lists, 'https://www.google.co.uk/', 'x.test', null).referrer_class).toBe(
      'search',
    );
    expect(classifyReferrer(lists, 'https://mail.google.com/mail/u/0/', 'x.test', null).referrer_class).toBe(
      'email',
    );
    expect(classifyReferrer(lists, 'https://www.dailymail.co.uk/news', 'x.test', null).referrer_class).toBe(
      'referral',
    );
  });

  it('android-app referrers name the app', () => {
    expect(referrerHost('android-app://com.google.android.gm/')).toBe('com.google.android.gm');
    expect(classifyReferrer(lists, 'android-app://com.google.android.gm/', 'x.test', null)).toMatchObject({
      referrer_class: 'email',
      referrer_source: 'Gmail',
    });
  });
});

describe('data/matomo/referers.json', () => {
  it('is what scripts/build-matomo-lists.mjs makes of the shipped YAML (no drift)', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { build } = await import('../../scripts/build-matomo-lists.mjs');
    const shipped = JSON.parse(
      readFileSync(new URL('../../data/matomo/referers.json', import.meta.url), 'utf8'),
    );
    const built = build();
    expect(built).toEqual(shipped);
    expect(Object.keys(built.search).length).toBeGreaterThan(250);
    expect(built.social.Facebook).toContain('facebook.com');
    expect(built.ai.ChatGPT).toContain('chatgpt.com');
  });
});

describe('utm_source names', () => {
  it.each([
    ['google', 'search'],
    ['Google', 'search'],
    ['bing', 'search'],
    ['facebook', 'social'],
    ['fb', 'social'],
    ['ig', 'social'],
    ['linkedin', 'social'],
    ['linkedin.com', 'social'],
    ['chatgpt.com', 'ai'],
    ['perplexity', 'ai'],
    ['newsletter-42', null],
    ['', null],
  ])('%s -> %s', (name, cls) => {
    expect(lists.classifySourceName(name)?.cls ?? null).toBe(cls);
  });
});
