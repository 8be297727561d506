import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Analytics } from '@segment/analytics-node';
import { Umami } from '@umami/node';
import { startCollector } from '@beacon/collector';
import { parseConfig } from '@beacon/config';
import { createLogger } from '@beacon/observability';
import { healthOf, usePipeline } from './pipeline.js';
import { CHROME_UA } from '../user-agents.js';

// Real, end to end in one process: each compatible intake on the collector, fed with recorded payloads
// written from each tool's documented format (fixtures/README.md) and, where the peer publishes an
// MIT client on npm, with that client (@segment/analytics-node, @umami/node) pointed at the collector.
// Every event must end up as exactly one events row; retries must not add rows.

const run = randomBytes(4).toString('hex');
const sites: Record<
  'plausible' | 'umami' | 'ga4' | 'segment',
  { scriptId: string; domain: string; uuid: string }
> = {} as never;

function fixture(name: string, site: { domain: string; uuid: string }): Record<string, unknown> {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .replaceAll('__DOMAIN__', site.domain)
    .replaceAll('__SITE__', site.uuid)
    .replaceAll('__RUN__', run)
    .replaceAll('__NOW_ISO__', new Date().toISOString())
    .replaceAll('__NOW_MICROS__', String(Date.now() * 1000));
  return JSON.parse(text);
}

const p = usePipeline(async (pipe) => {
  for (const k of ['plausible', 'umami', 'ga4', 'segment'] as const) {
    const domain = `${k}-${run}.example`;
    const scriptId = await pipe.addSite(domain, { bot_policy: 'keep' });
    const { rows } = await pipe.db.pool.query('SELECT id FROM sites WHERE script_id = $1', [scriptId]);
    sites[k] = { scriptId, domain, uuid: rows[0].id };
  }
  return {};
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${p.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, ...headers },
    body: JSON.stringify(body),
  });

/** The site's stored events, read once the pipeline has settled (every queued hit written). */
async function settledRows(scriptId: string) {
  await p.settle();
  const { rows } = await p.db.pool.query(
    `SELECT event_id, event_name, page_url, referrer, page_title, client_id, user_id, session_id, ip_address,
            user_agent, language, ecommerce_data, properties, visitor_type
     FROM events WHERE site_id = $1 ORDER BY server_timestamp, event_name`,
    [scriptId],
  );
  return rows;
}

describe('Plausible Events API (POST /api/event)', () => {
  it('maps the documented payload and the script short keys onto events, site by domain', async () => {
    const { domain, scriptId } = sites.plausible;
    let r = await post('/api/event', fixture('plausible-event.json', sites.plausible), {
      origin: `https://${domain}`,
    });
    expect(r.status).toBe(202);
    r = await post('/api/event', fixture('plausible-script.json', sites.plausible), {
      'content-type': 'text/plain',
    });
    expect(r.status).toBe(202);
    const got = await settledRows(scriptId);
    expect(got).toHaveLength(2);
    expect(got.find((x) => x.event_name === 'page_view')).toMatchObject({
      page_url: `https://${domain}/pricing?plan=team`,
      referrer: 'https://news.ycombinator.com/',
      properties: { author: 'Ada', logged_in: 'false', intake: 'plausible' },
    });
    expect(got.find((x) => x.event_name === 'Signup')).toMatchObject({
      page_url: `https://${domain}/signup`,
      ecommerce_data: { revenue: 29.9, currency: 'EUR' },
    });
    expect(await healthOf(p.db, scriptId)).toEqual({ received: 2, stored: 2 });
  });

  it('answers clear 4xx: unknown domain, missing fields, ambiguous domain', async () => {
    expect(
      (await post('/api/event', { name: 'pageview', url: 'https://x.example/', domain: 'nobody.example' }))
        .status,
    ).toBe(404);
    expect((await post('/api/event', { name: 'pageview', domain: sites.plausible.domain })).status).toBe(400);
    const twin = `twin-${run}.example`;
    await p.addSite(twin);
    await p.addSite(`www.${twin}`);
    const r = await post('/api/event', { name: 'pageview', url: `https://${twin}/`, domain: twin });
    expect(r.status).toBe(409);
    expect((await r.json()).error).toBe('ambiguous_domain');
  });

  it('a list of domains: each known site gets the event, an unknown one takes nothing from them', async () => {
    const multi = `multi-${run}.example`;
    const scriptId = await p.addSite(multi, { bot_policy: 'keep' });
    // Unknown first and last: the known site in the middle still gets both events, answered 202
    // (a 4xx would make the sender retry what was already queued).
    for (const domain of [`nobody-${run}.example,${multi}`, `${multi}, nobody-${run}.example`]) {
      const r = await post('/api/event', { name: 'pageview', url: `https://${multi}/list`, domain });
      expect([domain, r.status]).toEqual([domain, 202]);
    }
    // Every domain unknown: the first refusal, nothing stored anywhere.
    const none = await post('/api/event', {
      name: 'pageview',
      url: `https://${multi}/none`,
      domain: `nobody-${run}.example,nobody2-${run}.example`,
    });
    expect(none.status).toBe(404);
    expect((await settledRows(scriptId)).map((x) => x.page_url)).toEqual([
      `https://${multi}/list`,
      `https://${multi}/list`,
    ]);
  });
});

describe('Umami (POST /api/send)', () => {
  it('takes the recorded tracker payload and the @umami/node client', async () => {
    const { domain, scriptId, uuid } = sites.umami;
    const r = await post('/api/send', fixture('umami-send.json', sites.umami));
    expect(r.status).toBe(200);
    const client = new Umami({ websiteId: uuid, hostUrl: p.url });
    const a = await client.track({ url: '/home', hostname: domain, title: 'Home', language: 'de-DE' });
    expect(a.status).toBe(200);
    const b = await client.identify({ company: 'Acme' });
    expect(b.status).toBe(200);
    const got = await settledRows(scriptId);
    expect(got.map((x) => x.event_name).sort()).toEqual(['download', 'identify', 'page_view']);
    expect(got.find((x) => x.event_name === 'download')).toMatchObject({
      page_url: `https://${domain}/docs/getting-started`,
      page_title: 'Docs',
      language: 'en-US',
      properties: { file: 'guide.pdf', intake: 'umami' },
    });
    expect(got.find((x) => x.event_name === 'page_view')).toMatchObject({
      page_url: `https://${domain}/home`,
    });
    expect(got.find((x) => x.event_name === 'identify')!.properties).toMatchObject({ company: 'Acme' });
    expect(await healthOf(p.db, scriptId)).toEqual({ received: 3, stored: 3 });
  });
});

describe('GA4 Measurement Protocol (POST /mp/collect)', () => {
  it('takes the recorded payload with a Beacon api_secret, once even when retried', async () => {
    const { domain, scriptId } = sites.ga4;
    const secret = await p.addToken(scriptId);
    const body = fixture('ga4-mp.json', sites.ga4);
    const path = `/mp/collect?measurement_id=G-TEST123&api_secret=${encodeURIComponent(secret)}`;
    expect((await post(path, body)).status).toBe(204);
    expect((await post(path, body)).status).toBe(204); // a retry: same event ids
    expect((await post('/mp/collect?measurement_id=G-TEST123&api_secret=wrong', body)).status).toBe(401);
    const got = await settledRows(scriptId);
    expect(got).toHaveLength(2);
    const view = got.find((x) => x.event_name === 'page_view');
    expect(view).toMatchObject({
      event_id: `ga-${run}-1`,
      page_url: `https://${domain}/checkout`,
      client_id: '1234567890.1700000000',
      user_id: `crm-${run}`,
      session_id: '1700000123',
      ip_address: '198.51.100.0', // the site's default ip_anonymization: truncate
    });
    expect(view.properties).toMatchObject({ intake: 'ga4', server_side: true });
    expect(got.find((x) => x.event_name === 'purchase')!.ecommerce_data).toMatchObject({
      currency: 'USD',
      value: 30.03,
      transaction_id: 'T_12345',
    });
    expect(await healthOf(p.db, scriptId)).toEqual({ received: 4, stored: 2, 'dropped/duplicate': 2 });
  });
});

describe('Segment-compatible API (/segment/v1/...)', () => {
  it('takes the recorded batch with Basic auth, and @segment/analytics-node pointed at the collector', async () => {
    const { domain, scriptId } = sites.segment;
    const key = await p.addToken(scriptId);
    const basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const body = fixture('segment-batch.json', sites.segment);
    let r = await post('/segment/v1/batch', body, { authorization: basic });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ success: true, accepted: 3 });
    r = await post('/segment/v1/batch', body, { authorization: basic }); // retried: messageId dedupes
    expect(r.status).toBe(200);
    expect((await post('/segment/v1/track', { event: 'x', userId: 'u' })).status).toBe(401);

    // The single calls, as Segment's HTTP API documents them.
    r = await post(
      '/segment/v1/track',
      {
        userId: `u-${run}`,
        event: 'Plan Upgraded',
        messageId: `seg-${run}-single`,
        properties: { plan: 'pro' },
      },
      { authorization: basic },
    );
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ success: true, accepted: 1 });
    r = await post('/segment/v1/page', { writeKey: key, anonymousId: 'a1', properties: {} });
    expect(r.status).toBe(400); // a page view without a URL says so
    expect((await r.json()).message).toMatch(/page_url/);

    const analytics = new Analytics({ writeKey: key, host: p.url, path: '/segment/v1/batch', flushAt: 10 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: `lib-${run}`, traits: { plan: 'team' } });
    analytics.track({
      userId: `lib-${run}`,
      event: 'Report Exported',
      properties: { format: 'csv' },
      context: { ip: '198.51.100.9' },
    });
    analytics.page({
      anonymousId: `anon-lib-${run}`,
      name: 'Docs',
      properties: { url: `https://${domain}/docs` },
    });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const got = await settledRows(scriptId);
    expect(got).toHaveLength(7);
    const order = got.find((x) => x.event_name === 'Order Completed');
    expect(order).toMatchObject({
      event_id: `seg-${run}-2`,
      user_id: `u-${run}`,
      language: 'en-US',
      properties: expect.objectContaining({ order_id: '50314b8e', intake: 'segment', server_side: true }),
    });
    expect(got.find((x) => x.event_id === `seg-${run}-3`)).toMatchObject({
      event_name: 'page_view',
      page_url: `https://${domain}/pricing`,
      page_title: 'Pricing',
      referrer: 'https://www.bing.com/',
      client_id: `anon-${run}`,
    });
    expect(got.find((x) => x.event_name === 'Report Exported')).toMatchObject({ user_id: `lib-${run}` });
    expect(await healthOf(p.db, scriptId)).toEqual({
      received: 11,
      stored: 7,
      'dropped/duplicate': 3,
      'rejected/invalid_hit': 1,
    });
  });
});

describe('switching intakes off', () => {
  it('answers 404 on the paths of intakes switched off for the deployment', async () => {
    const config = parseConfig({
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'PATH')),
      DATABASE_URL: p.db.url,
      REDIS_URL: p.config.core.redisUrl,
      QUEUE_PREFIX: `off-${run}`,
      LOG_LEVEL: 'silent',
      INTAKE_PLAUSIBLE: 'false',
      INTAKE_UMAMI: 'false',
      INTAKE_GA4: 'false',
      INTAKE_SEGMENT: 'false',
      INTAKE_SERVER_EVENTS: 'false',
    });
    const c = await startCollector(config, {
      logger: createLogger('c', 'silent'),
      port: 0,
      host: '127.0.0.1',
    });
    try {
      for (const path of ['/api/event', '/api/send', '/mp/collect', '/segment/v1/batch', '/v1/events']) {
        const r = await fetch(`http://127.0.0.1:${c.port}${path}`, { method: 'POST', body: '{}' });
        expect({ path, status: r.status }).toEqual({ path, status: 404 });
      }
    } finally {
      await c.close();
    }
  });
});
