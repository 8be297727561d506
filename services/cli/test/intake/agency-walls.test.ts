import { randomBytes, randomUUID } from 'node:crypto';
import { healthOf, usePipeline } from './pipeline.js';
import { CHROME_UA } from '../user-agents.js';

// Tenants are walled at the collector too (docs/design.md invariant 4): two agencies in one database,
// every intake format. Agency A's credentials (site ingest token, agency API key, GA4 api_secret,
// Segment write key) never put a hit on agency B's site: the sender gets a 4xx, B gets no row. The
// browser-side intakes name a site by domain (Plausible) or by id or hostname (Umami): a domain resolves
// to the site with that very domain, and B's allowed origins keep A's pages out.

const run = randomBytes(4).toString('hex');
const domainA = `a-${run}.example`;
const domainB = `b-${run}.example`;

const p = usePipeline(async (pipe) => {
  const b = await pipe.addAgency('Agency B');
  const siteA = await pipe.addSite(domainA);
  const siteB = await pipe.addSite(domainB, {}, b.agencyId);
  const tokenA = await pipe.addToken(siteA);
  await pipe.addToken(siteB); // B has a token of its own: A's must still not reach B
  const { rows } = await pipe.db.pool.query(
    'SELECT script_id, id FROM sites WHERE script_id = ANY($1) ORDER BY domain',
    [[siteA, siteB]],
  );
  const [uuidA, uuidB] = rows.map((r) => r.id as string) as [string, string];
  return { apiKeyB: b.apiKey, siteA, siteB, tokenA, uuidA, uuidB };
});

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(`${p.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, ...headers },
    body: JSON.stringify(body),
  });
  // A refusal's error code, else the answer itself (Plausible's "ok", GA4's empty 204).
  const text = await r.text();
  const answer: unknown = text ? JSON.parse(text) : '';
  return { status: r.status, error: (answer as { error?: unknown }).error ?? answer };
};
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
const fromA = { origin: `https://${domainA}` };

async function eventsOf(scriptId: string): Promise<string[]> {
  const { rows } = await p.db.pool.query('SELECT event_name FROM events WHERE site_id = $1 ORDER BY 1', [
    scriptId,
  ]);
  return rows.map((r) => r.event_name as string);
}

describe("agency A's credentials and pages never reach agency B's site", () => {
  it('server-side events: A’s ingest token or API key naming B’s site is refused', async () => {
    const ev = { event_name: 'wall_server', site_id: p.siteB };
    expect(await post('/v1/events', ev, bearer(p.tokenA))).toEqual({ status: 403, error: 'site_mismatch' });
    expect(await post('/v1/events', { site_id: p.siteB, events: [ev] }, bearer(p.tokenA))).toEqual({
      status: 403,
      error: 'site_mismatch',
    });
    // The same answer as for a site that does not exist: B's site_id is not even confirmed.
    expect(await post('/v1/events', ev, bearer(p.apiKey))).toEqual({ status: 404, error: 'unknown_site' });
    expect(await post('/v1/events', { ...ev, site_id: p.siteA }, bearer(p.apiKeyB))).toEqual({
      status: 404,
      error: 'unknown_site',
    });
  });

  it('GA4: the api_secret alone names the site; an agency API key is no api_secret', async () => {
    const body = { client_id: 'c1', events: [{ name: 'wall_ga4', params: {} }] };
    const mp = (secret: string) => `/mp/collect?measurement_id=${p.siteB}&api_secret=${secret}`;
    expect(await post(mp(p.apiKey), body)).toEqual({ status: 400, error: 'invalid_site_id' });
    expect(await post(mp(p.apiKeyB), body)).toEqual({ status: 400, error: 'invalid_site_id' });
    expect(await post(mp(p.tokenA), body)).toEqual({ status: 204, error: '' }); // stored on A, not B
  });

  it('Segment: the write key alone names the site; an agency API key is no write key', async () => {
    const msg = { type: 'track', event: 'wall_segment', userId: 'u1', properties: { site_id: p.siteB } };
    expect(await post('/segment/v1/track', msg, basic(p.apiKey))).toEqual({
      status: 400,
      error: 'invalid_site_id',
    });
    expect(await post('/segment/v1/batch', { batch: [msg], writeKey: p.apiKeyB })).toEqual({
      status: 400,
      error: 'invalid_site_id',
    });
    expect((await post('/segment/v1/track', msg, basic(p.tokenA))).status).toBe(200); // stored on A
  });

  it('Plausible: a domain resolves to the site of that very domain; A’s pages cannot send for B', async () => {
    const ev = (domain: string, url = `https://${domain}/`) => ({ name: 'wall_plausible', url, domain });
    expect(await post('/api/event', ev(domainB), fromA)).toEqual({
      status: 403,
      error: 'origin_not_allowed',
    });
    // Neither a subdomain of A nor a look-alike of B is A's or B's site.
    expect(await post('/api/event', ev(`blog.${domainA}`), fromA)).toEqual({
      status: 404,
      error: 'unknown_site',
    });
    expect(await post('/api/event', ev(`${domainB}.evil`), fromA)).toEqual({
      status: 404,
      error: 'unknown_site',
    });
    // One domain claimed by a site of each agency: neither gets the hit.
    const twin = `twin-${run}.example`;
    const twinA = await p.addSite(twin);
    const b = await p.addAgency('Agency B2');
    const twinB = await p.addSite(`www.${twin}`, {}, b.agencyId);
    expect(await post('/api/event', ev(twin))).toEqual({ status: 409, error: 'ambiguous_domain' });
    expect(await post('/api/event', ev(domainA), fromA)).toEqual({ status: 202, error: 'ok' });
    await p.settle();
    expect([await eventsOf(twinA), await eventsOf(twinB)]).toEqual([[], []]);
  });

  it('Umami: B’s website id or hostname from A’s page is refused; A’s id keeps the hit on A', async () => {
    const send = (payload: Record<string, unknown>) =>
      post('/api/send', { type: 'event', payload: { url: '/', name: 'wall_umami', ...payload } }, fromA);
    const refused = { status: 403, error: 'origin_not_allowed' };
    expect(await send({ website: p.uuidB, hostname: domainA })).toEqual(refused);
    expect(await send({ website: randomUUID(), hostname: domainB })).toEqual(refused);
    expect(await send({ website: p.uuidA, hostname: domainB })).toMatchObject({ status: 200 });
  });

  it('B has no row and no stored count; A has exactly what A sent', async () => {
    await p.settle();
    expect(await eventsOf(p.siteB)).toEqual([]);
    // B's health shows the refused browser hits of A's pages (Plausible 1, Umami 2), nothing stored.
    expect(await healthOf(p.db, p.siteB)).toEqual({ received: 3, 'rejected/origin_not_allowed': 3 });
    expect(await eventsOf(p.siteA)).toEqual(['wall_ga4', 'wall_plausible', 'wall_segment', 'wall_umami']);
  });
});
