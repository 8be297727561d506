import { parseSiteConfig } from '@beacon/schema';
import { call, login, seedAgency, seedUser } from './helpers.js';
import { useTwoAgencies } from './fixtures/use-api.js';

// Sites, users and agency administration on real PostgreSQL.

const api = useTwoAgencies({ env: { COLLECTOR_PUBLIC_URL: 'https://collect.example.net/' } });

/** A new site (its domain in other letter case than stored); the rest of its config takes the defaults. */
const SHOP = {
  name: 'Shop',
  domain: 'Shop.Example.com',
  config: {
    allowed_origins: ['shop.example.com', '*.shop.example.com'],
    ip_anonymization: 'truncate',
    timezone: 'Europe/Paris',
  },
};

describe('sites', () => {
  test('create, read by uuid and by script_id, change config, pause, delete', async () => {
    const c = await call(api.url, 'POST', '/v1/sites', { token: api.tok.user, body: SHOP });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: 'Shop', domain: 'shop.example.com', status: 'active' });
    expect(c.body.script_id).toMatch(/^[a-z0-9]{12}$/);
    expect(c.body.config).toEqual({
      ...SHOP.config,
      bot_policy: 'drop',
      cookieless: false,
      respect_dnt: true,
      require_consent: false,
      retention_months: null,
      currency: 'USD',
    });
    const byScript = await call(api.url, 'GET', `/v1/sites/${c.body.script_id}`, { token: api.tok.user });
    expect(byScript.body.id).toBe(c.body.id);

    // Config is merged: keys not given are kept. What is stored is what the services will read.
    const p = await call(api.url, 'PATCH', `/v1/sites/${c.body.id}`, {
      token: api.tok.user,
      body: { config: { bot_policy: 'keep', cookieless: true } },
    });
    expect(p.status).toBe(200);
    expect(p.body.config).toMatchObject({
      bot_policy: 'keep',
      cookieless: true,
      ip_anonymization: 'truncate',
      timezone: 'Europe/Paris',
    });
    const stored = await api.pool.query('SELECT config FROM sites WHERE id = $1', [c.body.id]);
    expect(parseSiteConfig(stored.rows[0].config)).toMatchObject({
      bot_policy: 'keep',
      cookieless: true,
      ip_anonymization: 'truncate',
    });

    expect(
      (
        await call(api.url, 'PATCH', `/v1/sites/${c.body.id}`, {
          token: api.tok.user,
          body: { status: 'paused' },
        })
      ).body.status,
    ).toBe('paused');
    const del = await call(api.url, 'DELETE', `/v1/sites/${c.body.id}`, { token: api.tok.user });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('deleted');
    expect((await call(api.url, 'DELETE', `/v1/sites/${c.body.id}`, { token: api.tok.user })).status).toBe(
      409,
    );
    // Deleted sites leave the default list but can be asked for (and restored).
    const list = await call(api.url, 'GET', '/v1/sites', { token: api.tok.user });
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(c.body.id);
    const deleted = await call(api.url, 'GET', '/v1/sites?status=deleted', { token: api.tok.user });
    expect(deleted.body.items.map((s: { id: string }) => s.id)).toContain(c.body.id);
    expect(
      (
        await call(api.url, 'PATCH', `/v1/sites/${c.body.id}`, {
          token: api.tok.user,
          body: { status: 'active' },
        })
      ).body.status,
    ).toBe('active');
  });

  test('bad site input is 400 naming the field; the site is unchanged', async () => {
    const bad = [
      { name: 'x', domain: 'not a domain' },
      { name: '', domain: 'ok.example' },
      { name: 'x', domain: 'ok.example', config: { ip_anonymization: 'hash' } },
      { name: 'x', domain: 'ok.example', config: { timezone: 'Mars/Olympus' } },
      { name: 'x', domain: 'ok.example', config: { allowed_origins: ['https://with-scheme.example'] } },
      { name: 'x', domain: 'ok.example', config: { bot_polcy: 'keep' } },
      { name: 'x', domain: 'ok.example', status: 'deleted' },
      { name: 'x', domain: 'ok.example', script_id: 'chosen' },
    ];
    for (const body of bad) {
      const r = await call(api.url, 'POST', '/v1/sites', { token: api.tok.admin, body });
      expect({ body, status: r.status, error: r.body.error }).toEqual({
        body,
        status: 400,
        error: 'invalid_request',
      });
      expect(r.body.message).toMatch(/^invalid body: /);
      expect(Array.isArray(r.body.details.issues)).toBe(true);
    }
    const before = (await api.pool.query('SELECT config, name FROM sites WHERE id = $1', [api.f.siteA.id]))
      .rows[0];
    const r = await call(api.url, 'PATCH', `/v1/sites/${api.f.siteA.id}`, {
      token: api.tok.admin,
      body: { config: { cookieless: 'yes' } },
    });
    expect(r.status).toBe(400);
    expect(r.body.details.issues[0].path).toEqual(['config', 'cookieless']);
    expect(
      (await call(api.url, 'PATCH', `/v1/sites/${api.f.siteA.id}`, { token: api.tok.admin, body: {} }))
        .status,
    ).toBe(400);
    expect(
      (await api.pool.query('SELECT config, name FROM sites WHERE id = $1', [api.f.siteA.id])).rows[0],
    ).toEqual(before);
  });

  test('private by default: a new site truncates IPs; none and drop stay available', async () => {
    const c = await call(api.url, 'POST', '/v1/sites', {
      token: api.tok.user,
      body: { name: 'New', domain: 'new.example' },
    });
    expect(c.body.config.ip_anonymization).toBe('truncate');
    for (const mode of ['none', 'drop', 'truncate'] as const) {
      const p = await call(api.url, 'PATCH', `/v1/sites/${c.body.id}`, {
        token: api.tok.user,
        body: { config: { ip_anonymization: mode } },
      });
      expect(p.body.config.ip_anonymization).toBe(mode);
    }
  });

  test("a site's retention_months: shorter than the agency's, refused when longer, null resets", async () => {
    const path = `/v1/sites/${api.f.siteA.id}`;
    const ok = await call(api.url, 'PATCH', path, {
      token: api.tok.admin,
      body: { config: { retention_months: 2 } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.config.retention_months).toBe(2);
    // The agency keeps the installation default, 13 months: a site cannot keep more.
    const long = await call(api.url, 'PATCH', path, {
      token: api.tok.admin,
      body: { config: { retention_months: 14 } },
    });
    expect({ status: long.status, error: long.body.error }).toEqual({
      status: 400,
      error: 'invalid_request',
    });
    expect(long.body.message).toMatch(/retention_months: at most the agency's retention \(13 months\)/);
    const created = await call(api.url, 'POST', '/v1/sites', {
      token: api.tok.admin,
      body: { name: 'Long', domain: 'long.example', config: { retention_months: 40 } },
    });
    expect(created.status).toBe(400);
    const reset = await call(api.url, 'PATCH', path, {
      token: api.tok.admin,
      body: { config: { retention_months: null } },
    });
    expect(reset.body.config.retention_months).toBeNull();
    const stored = await api.pool.query('SELECT config FROM sites WHERE id = $1', [api.f.siteA.id]);
    expect(stored.rows[0].config).not.toHaveProperty('retention_months');
  });

  test('the snippet carries the script_id and the public collector URL', async () => {
    const r = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/snippet`, { token: api.tok.user });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      script_id: api.f.siteA.scriptId,
      collector_url: 'https://collect.example.net/',
      html: `<script defer data-site="${api.f.siteA.scriptId}" src="https://collect.example.net/v1/beacon.js"></script>`,
    });
    // The privacy switches are not in the snippet: the collector answers them to the tracker, so the
    // snippet a site pasted stays right whatever is switched later.
    await call(api.url, 'PATCH', `/v1/sites/${api.f.siteA.id}`, {
      token: api.tok.user,
      body: { config: { require_consent: true, cookieless: true, respect_dnt: false } },
    });
    const after = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/snippet`, { token: api.tok.user });
    expect(after.body).toEqual(r.body);
  });

  test('the site list pages by cursor without gaps or repeats; a forged cursor is 400', async () => {
    const ag = api.f.b; // B's list: one seeded site plus these
    const tokenB = api.tok.adminB;
    for (let i = 0; i < 5; i++)
      await call(api.url, 'POST', '/v1/sites', {
        token: tokenB,
        body: { name: `Page ${i}`, domain: `p${i}.example` },
      });
    const all = (
      await api.pool.query(`SELECT id FROM sites WHERE agency_id = $1 AND status <> 'deleted'`, [ag.id])
    ).rows.map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: { id: string }[]; next_cursor: string | null } } = await call(
        api.url,
        'GET',
        `/v1/sites?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: tokenB },
      );
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((s) => s.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(all.sort());
    expect((await call(api.url, 'GET', '/v1/sites?cursor=bm9wZQ', { token: tokenB })).body.error).toBe(
      'invalid_cursor',
    );
    expect((await call(api.url, 'GET', '/v1/sites?limit=0', { token: tokenB })).status).toBe(400);
    expect((await call(api.url, 'GET', '/v1/sites?limit=abc', { token: tokenB })).status).toBe(400);
    expect((await call(api.url, 'GET', '/v1/sites?status=gone', { token: tokenB })).status).toBe(400);
    expect((await call(api.url, 'GET', '/v1/sites?unknown=1', { token: tokenB })).status).toBe(400);
  });
});

/** A user an admin creates (the email in other letter case than stored). */
const NEW_PERSON = {
  email: 'New.Person@Example.com',
  password: 'a-long-password',
  role: 'viewer',
  first_name: 'New',
};

describe('users', () => {
  test('an admin creates, reads, changes and deletes users; the new user can log in', async () => {
    const c = await call(api.url, 'POST', '/v1/users', { token: api.tok.admin, body: NEW_PERSON });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      email: 'new.person@example.com',
      role: 'viewer',
      is_active: true,
      first_name: 'New',
      last_login: null,
    });
    expect(c.body).not.toHaveProperty('password_hash');
    const token = await login(api.url, 'new.person@example.com', NEW_PERSON.password);
    expect((await call(api.url, 'GET', '/v1/me', { token })).body.role).toBe('viewer');
    expect(
      (
        await call(api.url, 'POST', '/v1/users', {
          token: api.tok.admin,
          body: { ...NEW_PERSON, email: 'new.person@example.com', role: 'user' },
        })
      ).status,
    ).toBe(409);

    const p = await call(api.url, 'PATCH', `/v1/users/${c.body.id}`, {
      token: api.tok.admin,
      body: { role: 'user', password: 'another-long-one' },
    });
    expect(p.body.role).toBe('user');
    // A password change ends the user's sessions; the new password works.
    expect((await call(api.url, 'GET', '/v1/me', { token })).status).toBe(401);
    await login(api.url, 'new.person@example.com', 'another-long-one');

    const list = await call(api.url, 'GET', '/v1/users', { token: api.tok.admin });
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual(
      expect.arrayContaining([api.f.admin.id, api.f.user.id, api.f.viewer.id, c.body.id]),
    );
    expect(list.body.items.map((u: { id: string }) => u.id)).not.toContain(api.f.adminB.id);

    expect((await call(api.url, 'DELETE', `/v1/users/${c.body.id}`, { token: api.tok.admin })).status).toBe(
      204,
    );
    expect((await call(api.url, 'GET', `/v1/users/${c.body.id}`, { token: api.tok.admin })).status).toBe(404);
    expect((await call(api.url, 'GET', '/v1/users/not-a-uuid', { token: api.tok.admin })).status).toBe(400);
  });

  test('the last active admin cannot be demoted, deactivated or deleted; with a second admin it can', async () => {
    const ag = await seedAgency(api.pool);
    const only = await seedUser(api.pool, ag.id, 'admin');
    const tok = await login(api.url, only.email, only.password);
    for (const body of [{ role: 'user' }, { is_active: false }]) {
      const r = await call(api.url, 'PATCH', `/v1/users/${only.id}`, { token: tok, body });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'conflict', details: { reason: 'last_admin' } });
    }
    expect((await call(api.url, 'DELETE', `/v1/users/${only.id}`, { token: tok })).status).toBe(409);
    // An inactive admin does not count.
    const dormant = await seedUser(api.pool, ag.id, 'admin', { active: false });
    expect((await call(api.url, 'DELETE', `/v1/users/${only.id}`, { token: tok })).status).toBe(409);
    const second = await seedUser(api.pool, ag.id, 'admin');
    expect(
      (await call(api.url, 'PATCH', `/v1/users/${only.id}`, { token: tok, body: { role: 'viewer' } })).status,
    ).toBe(200);
    const tok2 = await login(api.url, second.email, second.password);
    expect((await call(api.url, 'DELETE', `/v1/users/${second.id}`, { token: tok2 })).status).toBe(409);
    expect((await call(api.url, 'DELETE', `/v1/users/${dormant.id}`, { token: tok2 })).status).toBe(204);
    const admins = await api.pool.query(
      `SELECT count(*)::int AS n FROM dashboard_users WHERE agency_id = $1 AND role = 'admin' AND is_active`,
      [ag.id],
    );
    expect(admins.rows[0].n).toBe(1);
  });

  test('two concurrent demotions of the last two admins leave one admin', async () => {
    const ag = await seedAgency(api.pool);
    const a1 = await seedUser(api.pool, ag.id, 'admin');
    const a2 = await seedUser(api.pool, ag.id, 'admin');
    const [t1, t2] = await Promise.all([
      login(api.url, a1.email, a1.password),
      login(api.url, a2.email, a2.password),
    ]);
    const [r1, r2] = await Promise.all([
      call(api.url, 'PATCH', `/v1/users/${a2.id}`, { token: t1, body: { role: 'viewer' } }),
      call(api.url, 'PATCH', `/v1/users/${a1.id}`, { token: t2, body: { role: 'viewer' } }),
    ]);
    // One wins; the other finds it would remove the last admin (409), or, if it authenticated after
    // the winner committed, is no longer an admin at all (403).
    const statuses = [r1.status, r2.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const admins = await api.pool.query(
      `SELECT count(*)::int AS n FROM dashboard_users WHERE agency_id = $1 AND role = 'admin' AND is_active`,
      [ag.id],
    );
    expect(admins.rows[0].n).toBe(1);
  });

  test('bad user input is 400', async () => {
    for (const body of [
      { email: 'not-an-email', password: 'a-long-password', role: 'viewer' },
      { email: 'a@b.test', password: 'short', role: 'viewer' },
      { email: 'a@b.test', password: 'é'.repeat(37), role: 'viewer' }, // 74 bytes
      { email: 'a@b.test', password: 'a-long-password', role: 'owner' },
      { email: 'a@b.test', password: 'a-long-password', role: 'viewer', agency_id: api.f.b.id },
    ]) {
      const r = await call(api.url, 'POST', '/v1/users', { token: api.tok.admin, body });
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
  });
});

describe('agency', () => {
  test('an admin sets and resets retention_months; everyone reads it', async () => {
    const p = await call(api.url, 'PATCH', '/v1/agency', {
      token: api.tok.admin,
      body: { config: { retention_months: 25 }, name: 'Agency A2' },
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ id: api.f.a.id, name: 'Agency A2', config: { retention_months: 25 } });
    const stored = await api.pool.query('SELECT config FROM agencies WHERE id = $1', [api.f.a.id]);
    expect(stored.rows[0].config.retention_months).toBe(25);
    const viewer = api.tok.viewer;
    expect((await call(api.url, 'GET', '/v1/agency', { token: viewer })).body.config.retention_months).toBe(
      25,
    );
    const reset = await call(api.url, 'PATCH', '/v1/agency', {
      token: api.tok.admin,
      body: { config: { retention_months: null } },
    });
    expect(reset.body.config.retention_months).toBeNull();
    for (const bad of [
      { config: { retention_months: 0 } },
      { config: { retention_months: 2.5 } },
      { config: { retention_months: '12' } },
      { status: 'deleted' },
      {},
    ])
      expect((await call(api.url, 'PATCH', '/v1/agency', { token: api.tok.admin, body: bad })).status).toBe(
        400,
      );
    // B untouched.
    expect((await api.pool.query('SELECT name FROM agencies WHERE id = $1', [api.f.b.id])).rows[0].name).toBe(
      'Agency B',
    );
  });
});
