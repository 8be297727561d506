import { channelOf, type ChannelInput } from '../../src/attribution/channel.js';
import { engagementScore } from '../../src/attribution/engagement.js';
import { normaliseLanguage } from '../../src/attribution/language.js';
import { parsePage } from '../../src/attribution/page.js';
import { ReferrerLists } from '../../src/attribution/referrer-lists.js';

const lists = ReferrerLists.load();

describe('parsePage', () => {
  it.each([
    ['https://shop.test/products/shoes?utm_source=x#reviews', '/products/shoes'],
    ['https://shop.test', '/'],
    ['https://shop.test/?a=1', '/'],
    ['https://shop.test/%C3%BCber-uns', '/über-uns'],
    ['https://shop.test/bad%E0%A4%A', '/bad%E0%A4%A'],
    ['/relative/path?x=1', '/relative/path'],
    ['ftp://shop.test/file', null],
    ['', null],
    [undefined, null],
  ])('page_path of %s is %s', (url, path) => {
    expect(parsePage(url).page_path).toBe(path);
  });

  it('reads utm parameters and the three click-id columns', () => {
    const p = parsePage(
      'https://shop.test/l?utm_source=Google&utm_medium=cpc&utm_campaign=spring%20sale&utm_content=ad1&utm_term=red+shoes&gclid=G1&fbclid=F1&ttclid=T1',
    );
    expect(p).toMatchObject({
      page_host: 'shop.test',
      utm_source: 'Google',
      utm_medium: 'cpc',
      utm_campaign: 'spring sale',
      utm_content: 'ad1',
      utm_term: 'red shoes',
      gclid: 'G1',
      fbclid: 'F1',
      ttclid: 'T1',
      click_ids: null,
    });
  });

  it('keeps other click ids in click_ids, and empty parameters are null', () => {
    const p = parsePage('https://shop.test/?msclkid=M&li_fat_id=L&twclid=T&dclid=D&utm_source=&gclid=%20');
    expect(p.click_ids).toEqual({ msclkid: 'M', li_fat_id: 'L', twclid: 'T', dclid: 'D' });
    expect(p.utm_source).toBeNull();
    expect(p.gclid).toBeNull();
  });

  it('a repeated parameter: the first non-empty value wins', () => {
    expect(parsePage('https://shop.test/?utm_source=a&utm_source=b').utm_source).toBe('a');
    expect(parsePage('https://shop.test/?utm_source=&utm_source=b').utm_source).toBe('b');
    expect(parsePage('https://shop.test/?msclkid=1&msclkid=2').click_ids).toEqual({ msclkid: '1' });
  });

  it('cuts parameters to 255 characters', () => {
    expect(parsePage(`https://shop.test/?utm_campaign=${'a'.repeat(400)}`).utm_campaign).toHaveLength(255);
  });
});

describe('normaliseLanguage', () => {
  it.each([
    ['en-us', 'en-US'],
    ['en_GB', 'en-GB'],
    ['EN', 'en'],
    ['de-DE,de;q=0.9,en;q=0.8', 'de-DE'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['es-419', 'es-419'],
    ['sr-Latn-RS-x-private', 'sr-Latn-RS'],
    ['*', null],
    ['12', null],
    ['', null],
    [null, null],
    [7, null],
  ])('%s -> %s', (input, out) => {
    expect(normaliseLanguage(input)).toBe(out);
  });
  it('never exceeds 10 characters', () => {
    expect(normaliseLanguage('zh-Hant-TW-variant1')!.length).toBeLessThanOrEqual(10);
  });
});

describe('engagementScore', () => {
  it.each([
    [{}, null],
    [{ time_on_page: null, clicks: undefined }, null],
    [{ time_on_page: 0 }, 0],
    [{ time_on_page: 150 }, 20],
    [{ time_on_page: 3000 }, 40],
    [{ scroll_depth: 50 }, 12.5],
    [{ scroll_depth: 250 }, 25],
    [{ clicks: 2 }, 4],
    [{ clicks: 50 }, 10],
    [{ form_submits: 1 }, 15],
    [{ video_plays: 3 }, 5],
    [{ file_downloads: 1 }, 5],
    [
      { time_on_page: 300, scroll_depth: 100, clicks: 5, form_submits: 1, video_plays: 1, file_downloads: 1 },
      100,
    ],
    [{ time_on_page: 10, scroll_depth: 33, clicks: 1 }, 11.58],
    [{ time_on_page: -5, scroll_depth: 'x' }, 0],
    [{ time_on_page: '60' }, 8],
  ])('%j -> %s', (input, score) => {
    expect(engagementScore(input)).toBe(score);
  });
});

describe('channelOf (rules in channel.ts, in order)', () => {
  const base: ChannelInput = {
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    gclid: null,
    fbclid: null,
    ttclid: null,
    click_ids: null,
    referrer_class: null,
  };
  it.each<[string, Partial<ChannelInput>, string]>([
    ['display medium', { utm_source: 'google', utm_medium: 'display' }, 'display'],
    ['dclid', { click_ids: { dclid: 'd' } }, 'display'],
    ['paid + social source', { utm_source: 'facebook', utm_medium: 'cpc' }, 'paid_social'],
    ['paid + social referrer', { utm_medium: 'paid', referrer_class: 'social' }, 'paid_social'],
    ['ttclid', { ttclid: 't' }, 'paid_social'],
    ['li_fat_id', { click_ids: { li_fat_id: 'l' } }, 'paid_social'],
    ['paid + search source', { utm_source: 'google', utm_medium: 'cpc' }, 'paid_search'],
    ['gclid alone', { gclid: 'g', referrer_class: 'search' }, 'paid_search'],
    ['msclkid', { click_ids: { msclkid: 'm' } }, 'paid_search'],
    ['paid, unknown source', { utm_source: 'partnerx', utm_medium: 'ppc' }, 'other'],
    ['email medium', { utm_source: 'newsletter', utm_medium: 'email' }, 'email'],
    ['email source', { utm_source: 'mailchimp' }, 'email'],
    ['webmail referrer', { referrer_class: 'email' }, 'email'],
    ['affiliate', { utm_source: 'awin', utm_medium: 'affiliate' }, 'affiliate'],
    ['ai source', { utm_source: 'chatgpt.com' }, 'ai_assistant'],
    ['ai referrer', { referrer_class: 'ai' }, 'ai_assistant'],
    ['social referrer', { referrer_class: 'social' }, 'organic_social'],
    ['fbclid alone is organic', { fbclid: 'f', referrer_class: 'social' }, 'organic_social'],
    ['social medium', { utm_source: 'somewhere', utm_medium: 'social' }, 'organic_social'],
    ['search referrer', { referrer_class: 'search' }, 'organic_search'],
    ['organic medium', { utm_source: 'ecosia-x', utm_medium: 'organic' }, 'organic_search'],
    ['ad-network referrer', { referrer_class: 'paid' }, 'display'],
    ['referral medium', { utm_source: 'partner', utm_medium: 'referral' }, 'referral'],
    ['plain referral', { referrer_class: 'referral' }, 'referral'],
    ['unknown tags + external referrer', { utm_campaign: 'spring', referrer_class: 'referral' }, 'referral'],
    ['unknown tags', { utm_source: 'flyer' }, 'other'],
    ['internal referrer', { referrer_class: 'internal' }, 'direct'],
    ['nothing', {}, 'direct'],
  ])('%s', (_name, input, channel) => {
    expect(channelOf(lists, { ...base, ...input })).toBe(channel);
  });
});
