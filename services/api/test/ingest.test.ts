import { createHash } from 'node:crypto';
import { call, login, seedTwoAgencies, startTestApi, type TestApi } from './helpers.js';
import { healthWarnings } from '../src/routes/ingest.js';

// Real PostgreSQL and HTTP: ingest tokens (create once in clear, list, revoke) walled by agency and
// role, and the ingestion health answer with its warnings.

let t: TestApi;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApi();
  f = await seedTwoAgencies(t.db.pool);
  for (const [k, u] of Object.entries({ admin: f.admin, user: f.user, viewer: f.viewer, adminB: f.adminB }))
    tokens[k] = await login(t.url, u.email, u.password);
});
afterAll(async () => {
  await t.close();
});

const base = () => `/v1/sites/${f.siteA.id}/ingest-tokens`;

describe('ingest tokens', () => {
  it('shows the token once, stores only its hash, lists and revokes it', async () => {
    const created = await call(t.url, 'POST', base(), { token: tokens.user, body: { name: 'backend' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^bit_[A-Za-z0-9_-]{43}$/);
    expect(created.body.token.startsWith(created.body.token_prefix)).toBe(true);
    const { rows } = await t.db.pool.query('SELECT token_hash FROM site_ingest_tokens WHERE id = $1', [
      created.body.id,
    ]);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(created.body.token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(created.body.token);

    const list = await call(t.url, 'GET', base(), { token: tokens.admin });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: created.body.id, name: 'backend', revoked_at: null });
    expect(list.body.items[0].token).toBeUndefined();

    const revoked = await call(t.url, 'DELETE', `${base()}/${created.body.id}`, { token: tokens.admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const unknown = await call(t.url, 'DELETE', `${base()}/00000000-0000-4000-8000-000000000000`, {
      token: tokens.admin,
    });
    expect(unknown.status).toBe(404);
    const malformed = await call(t.url, 'DELETE', `${base()}/probe`, { token: tokens.admin });
    expect(malformed.status).toBe(400);
  });

  it('is walled: viewers get 403, another agency 404 and cannot revoke', async () => {
    const created = await call(t.url, 'POST', base(), { token: tokens.admin, body: {} });
    expect((await call(t.url, 'GET', base(), { token: tokens.viewer })).status).toBe(403);
    expect((await call(t.url, 'POST', base(), { token: tokens.viewer, body: {} })).status).toBe(403);
    expect((await call(t.url, 'GET', base(), { token: tokens.adminB })).status).toBe(404);
    expect((await call(t.url, 'POST', base(), { token: tokens.adminB, body: {} })).status).toBe(404);
    const del = await call(t.url, 'DELETE', `${base()}/${created.body.id}`, { token: tokens.adminB });
    expect(del.status).toBe(404);
    // B's own site cannot reach A's token either.
    const cross = await call(t.url, 'DELETE', `/v1/sites/${f.siteB.id}/ingest-tokens/${created.body.id}`, {
      token: tokens.adminB,
    });
    expect(cross.status).toBe(404);
    const { rows } = await t.db.pool.query('SELECT revoked_at FROM site_ingest_tokens WHERE id = $1', [
      created.body.id,
    ]);
    expect(rows[0].revoked_at).toBeNull();
  });
});

describe('ingestion health', () => {
  it('answers the counts per hour with warnings to act on', async () => {
    const hour = new Date(Date.now() - (Date.now() % 3_600_000));
    const add = (outcome: string, reason: string, n: number) =>
      t.db.pool.query(
        `INSERT INTO ingestion_health (site_id, hour, outcome, reason, count) VALUES ($1, $2, $3, $4, $5)`,
        [f.siteA.scriptId, hour, outcome, reason, n],
      );
    await add('received', '', 7);
    await add('rejected', 'origin_not_allowed', 2);
    await add('dropped', 'bot:no_user_agent', 5);
    await t.db.pool.query(
      `INSERT INTO dead_events (id, site_id, stage, payload, error) VALUES (gen_random_uuid(), $1, 'writer', '{}', 'x')`,
      [f.siteA.scriptId],
    );
    const r = await call(t.url, 'GET', `/v1/sites/${f.siteA.id}/ingestion-health?hours=3`, {
      token: tokens.viewer,
    });
    expect(r.status).toBe(200);
    expect(r.body.totals).toEqual({
      received: 7,
      stored: 0,
      rejected: { origin_not_allowed: 2 },
      dropped: { 'bot:no_user_agent': 5 },
      dead_lettered: {},
    });
    expect(r.body.hours).toHaveLength(1);
    expect(r.body.dead_letters_waiting).toBe(1);
    expect(r.body.warnings.map((w: { code: string }) => w.code)).toEqual([
      'all_dropped_no_user_agent',
      'origin_not_allowed',
      'dead_letters_waiting',
    ]);
    expect(r.body.warnings[0].message).toBe(
      'all 5 hits of the last hour were dropped as bots: no User-Agent',
    );
    expect(
      (await call(t.url, 'GET', `/v1/sites/${f.siteA.id}/ingestion-health`, { token: tokens.adminB })).status,
    ).toBe(404);
    expect(
      (await call(t.url, 'GET', `/v1/sites/${f.siteA.id}/ingestion-health?hours=0`, { token: tokens.admin }))
        .status,
    ).toBe(400);
  });

  it('warns about hits dropped for missing consent', () => {
    const t0 = { received: 6, stored: 2, rejected: {}, dropped: { consent: 4 }, dead_lettered: {} };
    const w = healthWarnings(t0, t0, 0, 24);
    expect(w.map((x) => x.code)).toEqual(['dropped_no_consent']);
    expect(w[0]!.message).toBe(
      '4 hits dropped in the last 24 h: the site requires consent and they carried none',
    );
  });

  it('words one hit in the singular and names the settings to change', () => {
    const t0 = {
      received: 3,
      stored: 0,
      rejected: { origin_not_allowed: 1, site_paused: 1 },
      dropped: { 'bot:ua': 1 },
      dead_lettered: {},
    };
    expect(healthWarnings(t0, t0, 1, 24).map((x) => x.message)).toEqual([
      'the only hit of the last hour was dropped as a bot (a bot User-Agent: 1)',
      "1 hit in the last 24 h came from a domain not in the site's Allowed domains and was refused",
      '1 hit refused because the site is paused',
      '1 dead letter waiting',
    ]);
    expect(healthWarnings(t0, t0, 0, 24)[1]!.action).toMatch(
      /add it to Allowed domains in the site's settings/,
    );
  });

  it('does not warn about bots when some hits were stored', () => {
    const t0 = { received: 4, stored: 1, rejected: {}, dropped: { 'bot:ua': 3 }, dead_lettered: {} };
    expect(healthWarnings(t0, t0, 0, 24)).toEqual([]);
  });
});
