import { randomBytes } from 'node:crypto';
import { healthOf, usePipeline } from './pipeline.js';
import { CHROME_UA } from '../user-agents.js';

// Real, end to end in one process: the collector's browser intakes, the enricher and the writer,
// PostgreSQL and Redis. A site with require_consent drops the hits that carry no consent (an old cached
// tracker, a bare pixel) and counts them in ingestion_health as dropped/consent; hits with consent are
// stored. Expected counts are computed from what the test sent.

const CONSENT_WARNING = expect.stringMatching(/^the site requires consent and these hits carry none/);

const p = usePipeline(async (pipe) => ({
  site: await pipe.addSite('consent.example', { require_consent: true }),
}));

const hit = () => ({
  event_name: 'page_view',
  event_id: `ev-${randomBytes(6).toString('hex')}`,
  page_url: 'https://consent.example/',
});
const post = (path: string, body: unknown) =>
  fetch(`${p.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify(body),
  });

it('drops and counts hits without consent for a require_consent site, stores those with it', async () => {
  let without = 0;
  let withConsent = 0;
  const batch = (n: number) => Array.from({ length: n }, hit);

  // Without consent: a batch as an old tracker sent it, a track with consent false, a bare pixel.
  let r = await post('/v1/batch', { site_id: p.site, events: batch(3) });
  expect(r.status).toBe(202);
  expect(await r.json()).toEqual({ accepted: 3, rejected: [], warnings: [CONSENT_WARNING] });
  without += 3;
  r = await post('/v1/track', { site_id: p.site, consent: false, ...hit() });
  expect((await r.json()).warnings).toEqual([CONSENT_WARNING]);
  without += 1;
  r = await fetch(`${p.url}/v1/pixel.gif?site_id=${p.site}&page_url=https://consent.example/px`, {
    headers: { 'user-agent': CHROME_UA },
  });
  expect(r.status).toBeLessThan(300);
  without += 1;

  // With consent, as the tracker sends once beacon.consent(true) was called, and a pixel with consent=1.
  r = await post('/v1/batch', { site_id: p.site, consent: true, events: batch(2) });
  expect(await r.json()).toEqual({ accepted: 2, rejected: [] });
  withConsent += 2;
  r = await post('/v1/track', { site_id: p.site, consent: true, ...hit() });
  expect(await r.json()).toEqual({ accepted: 1, rejected: [] });
  withConsent += 1;
  r = await fetch(`${p.url}/v1/pixel.gif?site_id=${p.site}&consent=1&page_url=https://consent.example/px2`, {
    headers: { 'user-agent': CHROME_UA },
  });
  expect(r.status).toBeLessThan(300);
  withConsent += 1;

  await p.settle();
  expect(await healthOf(p.db, p.site)).toEqual({
    received: without + withConsent,
    'dropped/consent': without,
    stored: withConsent,
  });
  const { rows } = await p.db.pool.query(`SELECT count(*)::int AS n FROM events WHERE site_id = $1`, [
    p.site,
  ]);
  expect(rows[0].n).toBe(withConsent);
}, 60_000);

it('leaves sites without require_consent alone: no consent flag needed', async () => {
  const open = await p.addSite('open.example');
  const r = await post('/v1/batch', { site_id: open, events: [hit(), hit()] });
  expect(await r.json()).toEqual({ accepted: 2, rejected: [] });
  await p.settle();
  expect(await healthOf(p.db, open)).toEqual({ received: 2, stored: 2 });
}, 60_000);
