import { parseSiteConfig } from '@beacon/schema';
import { call, login, seedAgency, seedTwoAgencies, seedUser, startTestApi, type TestApi } from './helpers.js';

// Sites, users and agency administration on real PostgreSQL.

let t: TestApi;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
let admin: string;
let user: string;

beforeAll(async () => {
  t = await startTestApi({ env: { COLLECTOR_PUBLIC_URL: 'https://collect.example.net/' } });
  f = await seedTwoAgencies(t.db.pool);
  admin = await login(t.url, f.admin.email, f.admin.password);
  user = await login(t.url, f.user.email, f.user.password);
});
afterAll(async () => {
  await t.close();
});

describe('sites', () => {
  test('create, read by uuid and by script_id, change config, pause, delete', async () => {
    const c = await call(t.url, 'POST', '/v1/sites', {
      token: user,
      body: {
        name: 'Shop',
        domain: 'Shop.Example.com',
        config: {
          allowed_origins: ['shop.example.com', '*.shop.example.com'],
          ip_anonymization: 'truncate',
          timezone: 'Europe/Paris',
        },
      },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: 'Shop', domain: 'shop.example.com', status: 'active' });
    expect(c.body.script_id).toMatch(/^[a-z0-9]{12}$/);
    expect(c.body.config).toEqual({
      allowed_origins: ['shop.example.com', '*.shop.example.com'],
      ip_anonymization: 'truncate',
      bot_policy: 'drop',
      cookieless: false,
      respect_dnt: true,
      require_consent: false,
      timezone: 'Europe/Paris',
      retention_months: null,
    });
    const byScript = await call(t.url, 'GET', `/v1/sites/${c.body.script_id}`, { token: user });
    expect(byScript.body.id).toBe(c.body.id);

    // Config is merged: keys not given are kept. What is stored is what the services will read.
    const p = await call(t.url, 'PATCH', `/v1/sites/${c.body.id}`, {
      token: user,
      body: { config: { bot_policy: 'keep', cookieless: true } },
    });
    expect(p.status).toBe(200);
    expect(p.body.config).toMatchObject({
      bot_policy: 'keep',
      cookieless: true,
      ip_anonymization: 'truncate',
      timezone: 'Europe/Paris',
    });
    const stored = await t.db.pool.query('SELECT config FROM sites WHERE id = $1', [c.body.id]);
    expect(parseSiteConfig(stored.rows[0].config)).toMatchObject({
      bot_policy: 'keep',
      cookieless: true,
      ip_anonymization: 'truncate',
    });

    expect(
      (await call(t.url, 'PATCH', `/v1/sites/${c.body.id}`, { token: user, body: { status: 'paused' } })).body
        .status,
    ).toBe('paused');
    const del = await call(t.url, 'DELETE', `/v1/sites/${c.body.id}`, { token: user });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('deleted');
    expect((await call(t.url, 'DELETE', `/v1/sites/${c.body.id}`, { token: user })).status).toBe(409);
    // Deleted sites leave the default list but can be asked for (and restored).
    const list = await call(t.url, 'GET', '/v1/sites', { token: user });
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(c.body.id);
    const deleted = await call(t.url, 'GET', '/v1/sites?status=deleted', { token: user });
    expect(deleted.body.items.map((s: { id: string }) => s.id)).toContain(c.body.id);
    expect(
      (await call(t.url, 'PATCH', `/v1/sites/${c.body.id}`, { token: user, body: { status: 'active' } })).body
        .status,
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
      const r = await call(t.url, 'POST', '/v1/sites', { token: admin, body });
      expect({ body, status: r.status, error: r.body.error }).toEqual({
        body,
        status: 400,
        error: 'invalid_request',
      });
      expect(r.body.message).toMatch(/^invalid body: /);
      expect(Array.isArray(r.body.details.issues)).toBe(true);
    }
    const before = (await t.db.pool.query('SELECT config, name FROM sites WHERE id = $1', [f.siteA.id]))
      .rows[0];
    const r = await call(t.url, 'PATCH', `/v1/sites/${f.siteA.id}`, {
      token: admin,
      body: { config: { cookieless: 'yes' } },
    });
    expect(r.status).toBe(400);
    expect(r.body.details.issues[0].path).toEqual(['config', 'cookieless']);
    expect((await call(t.url, 'PATCH', `/v1/sites/${f.siteA.id}`, { token: admin, body: {} })).status).toBe(
      400,
    );
    expect(
      (await t.db.pool.query('SELECT config, name FROM sites WHERE id = $1', [f.siteA.id])).rows[0],
    ).toEqual(before);
  });

  test('private by default: a new site truncates IPs; none and drop stay available', async () => {
    const c = await call(t.url, 'POST', '/v1/sites', {
      token: user,
      body: { name: 'New', domain: 'new.example' },
    });
    expect(c.body.config.ip_anonymization).toBe('truncate');
    for (const mode of ['none', 'drop', 'truncate'] as const) {
      const p = await call(t.url, 'PATCH', `/v1/sites/${c.body.id}`, {
        token: user,
        body: { config: { ip_anonymization: mode } },
      });
      expect(p.body.config.ip_anonymization).toBe(mode);
    }
  });

  test("a site's retention_months: shorter than the agency's, refused when longer, null resets", async () => {
    const path = `/v1/sites/${f.siteA.id}`;
    const ok = await call(t.url, 'PATCH', path, { token: admin, body: { config: { retention_months: 2 } } });
    expect(ok.status).toBe(200);
    expect(ok.body.config.retention_months).toBe(2);
    // The agency keeps the installation default, 13 months: a site cannot keep more.
    const long = await call(t.url, 'PATCH', path, {
      token: admin,
      body: { config: { retention_months: 14 } },
    });
    expect({ status: long.status, error: long.body.error }).toEqual({
      status: 400,
      error: 'invalid_request',
    });
    expect(long.body.message).toMatch(/retention_months: at most the agency's retention \(13 months\)/);
    const created = await call(t.url, 'POST', '/v1/sites', {
      token: admin,
      body: { name: 'Long', domain: 'long.example', config: { retention_months: 40 } },
    });
    expect(created.status).toBe(400);
    const reset = await call(t.url, 'PATCH', path, {
      token: admin,
      body: { config: { retention_months: null } },
    });
    expect(reset.body.config.retention_months).toBeNull();
    const stored = await t.db.pool.query('SELECT config FROM sites WHERE id = $1', [f.siteA.id]);
    expect(stored.rows[0].config).not.toHaveProperty('retention_months');
  });

  test('the snippet carries the script_id and the public collector URL', async () => {
    const r = await call(t.url, 'GET', `/v1/sites/${f.siteA.id}/snippet`, { token: user });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      script_id: f.siteA.scriptId,
      collector_url: 'https://collect.example.net/',
      html: `<script defer data-site="${f.siteA.scriptId}" src="https://collect.example.net/v1/beacon.js"></script>`,
    });
    // The privacy switches are not in the snippet: the collector answers them to the tracker, so the
    // snippet a site pasted stays right whatever is switched later.
    await call(t.url, 'PATCH', `/v1/sites/${f.siteA.id}`, {
      token: user,
      body: { config: { require_consent: true, cookieless: true, respect_dnt: false } },
    });
    const after = await call(t.url, 'GET', `/v1/sites/${f.siteA.id}/snippet`, { token: user });
    expect(after.body).toEqual(r.body);
  });

  test('the site list pages by cursor without gaps or repeats; a forged cursor is 400', async () => {
    const ag = f.b; // B's list: one seeded site plus these
    const tokenB = await login(t.url, f.adminB.email, f.adminB.password);
    for (let i = 0; i < 5; i++)
      await call(t.url, 'POST', '/v1/sites', {
        token: tokenB,
        body: { name: `Page ${i}`, domain: `p${i}.example` },
      });
    const all = (
      await t.db.pool.query(`SELECT id FROM sites WHERE agency_id = $1 AND status <> 'deleted'`, [ag.id])
    ).rows.map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: { id: string }[]; next_cursor: string | null } } = await call(
        t.url,
        'GET',
        `/v1/sites?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: tokenB },
      );
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((s) => s.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(all.sort());
    expect((await call(t.url, 'GET', '/v1/sites?cursor=bm9wZQ', { token: tokenB })).body.error).toBe(
      'invalid_cursor',
    );
    expect((await call(t.url, 'GET', '/v1/sites?limit=0', { token: tokenB })).status).toBe(400);
    expect((await call(t.url, 'GET', '/v1/sites?limit=abc', { token: tokenB })).status).toBe(400);
    expect((await call(t.url, 'GET', '/v1/sites?status=gone', { token: tokenB })).status).toBe(400);
    expect((await call(t.url, 'GET', '/v1/sites?unknown=1', { token: tokenB })).status).toBe(400);
  });
});

describe('users', () => {
  test('an admin creates, reads, changes and deletes users; the new user can log in', async () => {
    const c = await call(t.url, 'POST', '/v1/users', {
      token: admin,
      body: {
        email: 'New.Person@Example.com',
        password: 'a-long-password',
        role: 'viewer',
        first_name: 'New',
      },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      email: 'new.person@example.com',
      role: 'viewer',
      is_active: true,
      first_name: 'New',
      last_login: null,
    });
    expect(c.body).not.toHaveProperty('password_hash');
    const token = await login(t.url, 'new.person@example.com', 'a-long-password');
    expect((await call(t.url, 'GET', '/v1/me', { token })).body.role).toBe('viewer');
    expect(
      (
        await call(t.url, 'POST', '/v1/users', {
          token: admin,
          body: { email: 'new.person@example.com', password: 'a-long-password', role: 'user' },
        })
      ).status,
    ).toBe(409);

    const p = await call(t.url, 'PATCH', `/v1/users/${c.body.id}`, {
      token: admin,
      body: { role: 'user', password: 'another-long-one' },
    });
    expect(p.body.role).toBe('user');
    // A password change ends the user's sessions; the new password works.
    expect((await call(t.url, 'GET', '/v1/me', { token })).status).toBe(401);
    await login(t.url, 'new.person@example.com', 'another-long-one');

    const list = await call(t.url, 'GET', '/v1/users', { token: admin });
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual(
      expect.arrayContaining([f.admin.id, f.user.id, f.viewer.id, c.body.id]),
    );
    expect(list.body.items.map((u: { id: string }) => u.id)).not.toContain(f.adminB.id);

    expect((await call(t.url, 'DELETE', `/v1/users/${c.body.id}`, { token: admin })).status).toBe(204);
    expect((await call(t.url, 'GET', `/v1/users/${c.body.id}`, { token: admin })).status).toBe(404);
    expect((await call(t.url, 'GET', '/v1/users/not-a-uuid', { token: admin })).status).toBe(400);
  });

  test('the last active admin cannot be demoted, deactivated or deleted; with a second admin it can', async () => {
    const ag = await seedAgency(t.db.pool);
    const only = await seedUser(t.db.pool, ag.id, 'admin');
    const tok = await login(t.url, only.email, only.password);
    for (const body of [{ role: 'user' }, { is_active: false }]) {
      const r = await call(t.url, 'PATCH', `/v1/users/${only.id}`, { token: tok, body });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'conflict', details: { reason: 'last_admin' } });
    }
    expect((await call(t.url, 'DELETE', `/v1/users/${only.id}`, { token: tok })).status).toBe(409);
    // An inactive admin does not count.
    const dormant = await seedUser(t.db.pool, ag.id, 'admin', { active: false });
    expect((await call(t.url, 'DELETE', `/v1/users/${only.id}`, { token: tok })).status).toBe(409);
    const second = await seedUser(t.db.pool, ag.id, 'admin');
    expect(
      (await call(t.url, 'PATCH', `/v1/users/${only.id}`, { token: tok, body: { role: 'viewer' } })).status,
    ).toBe(200);
    const tok2 = await login(t.url, second.email, second.password);
    expect((await call(t.url, 'DELETE', `/v1/users/${second.id}`, { token: tok2 })).status).toBe(409);
    expect((await call(t.url, 'DELETE', `/v1/users/${dormant.id}`, { token: tok2 })).status).toBe(204);
    const admins = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM dashboard_users WHERE agency_id = $1 AND role = 'admin' AND is_active`,
      [ag.id],
    );
    expect(admins.rows[0].n).toBe(1);
  });

  test('two concurrent demotions of the last two admins leave one admin', async () => {
    const ag = await seedAgency(t.db.pool);
    const a1 = await seedUser(t.db.pool, ag.id, 'admin');
    const a2 = await seedUser(t.db.pool, ag.id, 'admin');
    const [t1, t2] = await Promise.all([
      login(t.url, a1.email, a1.password),
      login(t.url, a2.email, a2.password),
    ]);
    const [r1, r2] = await Promise.all([
      call(t.url, 'PATCH', `/v1/users/${a2.id}`, { token: t1, body: { role: 'viewer' } }),
      call(t.url, 'PATCH', `/v1/users/${a1.id}`, { token: t2, body: { role: 'viewer' } }),
    ]);
    // One wins; the other finds it would remove the last admin (409), or, if it authenticated after
    // the winner committed, is no longer an admin at all (403).
    const statuses = [r1.status, r2.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const admins = await t.db.pool.query(
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
      { email: 'a@b.test', password: 'a-long-password', role: 'viewer', agency_id: f.b.id },
    ]) {
      const r = await call(t.url, 'POST', '/v1/users', { token: admin, body });
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
  });
});

describe('agency', () => {
  test('an admin sets and resets retention_months; everyone reads it', async () => {
    const p = await call(t.url, 'PATCH', '/v1/agency', {
      token: admin,
      body: { config: { retention_months: 25 }, name: 'Agency A2' },
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ id: f.a.id, name: 'Agency A2', config: { retention_months: 25 } });
    const stored = await t.db.pool.query('SELECT config FROM agencies WHERE id = $1', [f.a.id]);
    expect(stored.rows[0].config.retention_months).toBe(25);
    const viewer = await login(t.url, f.viewer.email, f.viewer.password);
    expect((await call(t.url, 'GET', '/v1/agency', { token: viewer })).body.config.retention_months).toBe(25);
    const reset = await call(t.url, 'PATCH', '/v1/agency', {
      token: admin,
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
      expect((await call(t.url, 'PATCH', '/v1/agency', { token: admin, body: bad })).status).toBe(400);
    // B untouched.
    expect((await t.db.pool.query('SELECT name FROM agencies WHERE id = $1', [f.b.id])).rows[0].name).toBe(
      'Agency B',
    );
  });
});
