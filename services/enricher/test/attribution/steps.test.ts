/**
 * The attribution steps on hand-built pipeline contexts (what the worker passes them): every column
 * they own is filled from the hit, the site and what the network step found. Real: Matomo lists, the
 * crafted Beacon-Company-Test.mmdb. No database (the agency range store has its own tests).
 */
import type { RawHit, RawRequest } from '@beacon/schema';
import { parseSiteConfig } from '@beacon/schema';
import type { EnrichContext, EventRow, NetworkInfo } from '../../src/pipeline.js';
import { runSteps, STEP_ORDER } from '../../src/pipeline.js';
import { attributionSteps } from '../../src/attribution/steps.js';
import { CompanyDb } from '../../src/attribution/company-db.js';
import { ReferrerLists } from '../../src/attribution/referrer-lists.js';
import { mmCrafted } from '../fixtures.js';

function ctx(
  hit: Partial<RawHit>,
  opts: { ip?: string | null; network?: NetworkInfo | null; config?: unknown; isBot?: boolean } = {},
): EnrichContext {
  const fullHit = {
    id: '0190a6f4-0000-7000-8000-000000000001',
    server_timestamp: '2026-11-25T12:00:00Z',
    event_name: 'page_view',
    ...hit,
  } as RawHit;
  const request: RawRequest = {
    site_id: 'site1',
    ip: opts.ip ?? null,
    user_agent: 'x',
    client_hints: {},
    hits: [fullHit],
  };
  return {
    hit: fullHit,
    request,
    site: { id: 's', scriptId: 'site1', agencyId: 'a', domain: 'shop.test', status: 'active' },
    siteConfig: parseSiteConfig(opts.config ?? {}),
    row: { ...(hit as Record<string, unknown>) } as EventRow,
    properties: {},
    device: null,
    geo: null,
    network: opts.network === undefined ? null : opts.network,
    isBot: opts.isBot ?? false,
    botReason: null,
  };
}

function net(over: Partial<NetworkInfo>): NetworkInfo {
  return {
    asn: null,
    asnOrg: null,
    isp: null,
    isHosting: false,
    isVpn: false,
    isProxy: false,
    isTor: false,
    isCrawlerRange: false,
    maxmind: null,
    ...over,
  };
}

let steps: ReturnType<typeof attributionSteps>;
beforeAll(async () => {
  const companyDb = await CompanyDb.open(mmCrafted('Beacon-Company-Test.mmdb'));
  steps = attributionSteps({ referrers: ReferrerLists.load(), agencyRanges: null, companyDb });
});

describe('attribution steps', () => {
  it('are named in STEP_ORDER order', () => {
    // STEP_ORDER's run of attribution steps: from page to visitor_type, nothing left out or added.
    const first = STEP_ORDER.indexOf('page');
    const last = STEP_ORDER.indexOf('visitor_type');
    expect(last - first).toBe(5);
    expect(steps.map((s) => s.name)).toEqual(STEP_ORDER.slice(first, last + 1));
  });

  it('a paid search landing from a business network', () => {
    const c = ctx(
      {
        page_url:
          'https://www.shop.test/shoes/red?utm_source=google&utm_medium=cpc&utm_campaign=Spring&gclid=abc&msclkid=m1#top',
        referrer: 'https://www.google.de/',
        language: 'de_de',
        time_on_page: 30,
        scroll_depth: 40,
      },
      { ip: '192.0.2.1', network: net({ asn: 64496, asnOrg: 'Acme Corporation' }) },
    );
    expect(runSteps(steps, c)).toBeNull();
    expect(c.row).toMatchObject({
      page_path: '/shoes/red',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'Spring',
      utm_content: null,
      utm_term: null,
      gclid: 'abc',
      fbclid: null,
      ttclid: null,
      referrer_domain: 'google.de',
      referrer_class: 'search',
      channel: 'paid_search',
      language: 'de-DE',
      engagement_score: 14,
      is_bounce: null,
      company_name: 'Acme Corporation',
      company_domain: 'acme.example',
      company_industry: 'Manufacturing',
      company_employee_count: '1000-4999',
      company_revenue: null,
      company_confidence: 0.9,
      company_source: 'maxmind',
      visitor_type: 'business',
    });
    expect(c.properties).toEqual({ click_ids: { msclkid: 'm1' }, referrer_source: 'Google' });
  });

  it('an internal navigation from a consumer ISP: direct, no company', () => {
    const c = ctx(
      { page_url: 'https://shop.test/cart', referrer: 'https://shop.test/shoes' },
      { ip: '203.0.113.1', network: net({ asn: 64497, asnOrg: 'Globex Telecom GmbH' }) },
    );
    runSteps(steps, c);
    expect(c.row).toMatchObject({
      referrer_domain: null,
      referrer_class: 'internal',
      channel: 'direct',
      engagement_score: null,
      company_name: null,
      company_confidence: null,
      company_source: null,
      visitor_type: 'consumer',
    });
    expect(c.properties).toEqual({});
  });

  it('a VPN visitor from ChatGPT: privacy_user, no company from the VPN network', () => {
    const c = ctx(
      { page_url: 'https://shop.test/?utm_source=chatgpt.com', referrer: 'https://chatgpt.com/' },
      { ip: '192.0.2.1', network: net({ asnOrg: 'Acme Corporation', isVpn: true }) },
    );
    runSteps(steps, c);
    expect(c.row).toMatchObject({
      channel: 'ai_assistant',
      referrer_class: 'ai',
      company_name: null,
      visitor_type: 'privacy_user',
    });
  });

  it('a bot stays a bot; a cookieless site makes privacy users', () => {
    const bot = ctx({ page_url: 'https://shop.test/' }, { ip: '192.0.2.1', isBot: true, network: net({}) });
    runSteps(steps, bot);
    expect(bot.row).toMatchObject({ visitor_type: 'bot', company_name: null, company_source: null });
    const cookieless = ctx(
      { page_url: 'https://shop.test/' },
      { ip: '192.0.2.1', config: { cookieless: true }, network: net({}) },
    );
    runSteps(steps, cookieless);
    expect(cookieless.row).toMatchObject({ visitor_type: 'privacy_user', company_name: 'Acme Corporation' });
  });

  it('a hit without IP or URL: everything null, nothing thrown', () => {
    const c = ctx({ event_name: 'custom' }, { ip: null, network: null });
    expect(runSteps(steps, c)).toBeNull();
    expect(c.row).toMatchObject({
      page_path: null,
      referrer_domain: null,
      referrer_class: null,
      channel: 'direct',
      language: null,
      visitor_type: null,
      company_name: null,
    });
  });

  it('the same input gives the same row (a retried job yields the same rows)', () => {
    const make = () =>
      ctx(
        { page_url: 'https://shop.test/?utm_source=fb&utm_medium=paid_social', language: 'en' },
        { ip: '198.51.100.5', network: net({}) },
      );
    const a = make();
    const b = make();
    runSteps(steps, a);
    runSteps(steps, b);
    expect(a.row).toEqual(b.row);
    expect(a.row).toMatchObject({ channel: 'paid_social', company_name: 'Globex GmbH' });
  });
});
