import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';
import { adminSql } from '@beacon/db';
import { createRedis, type Redis } from '@beacon/queue';
import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { call, login, seedAgency, seedTwoAgencies, seedUser, startTestApi, type TestApi } from './helpers.js';

// Real PostgreSQL throughout; the rate-limit block also uses the real Redis (shared limits).

let t: TestApi;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;

beforeAll(async () => {
  t = await startTestApi();
  f = await seedTwoAgencies(t.db.pool);
});
afterAll(async () => {
  await t.close();
});

async function loginFull(url: string, email: string, password: string) {
  return call(url, 'POST', '/v1/auth/login', { body: { email, password } });
}

describe('login', () => {
  test('email (any case) + password answers tokens that /v1/me accepts, and sets last_login', async () => {
    const before = await t.db.pool.query('SELECT last_login FROM dashboard_users WHERE id = $1', [
      f.viewer.id,
    ]);
    expect(before.rows[0].last_login).toBeNull();
    const r = await loginFull(t.url, f.viewer.email.toUpperCase(), f.viewer.password);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      user: { id: f.viewer.id, role: 'viewer' },
    });
    expect(r.body.refresh_token).toMatch(/^brt_/);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/beacon_refresh=brt_/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/v1\/auth/);
    const me = await call(t.url, 'GET', '/v1/me', { token: r.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      via: 'user',
      role: 'viewer',
      agency: { id: f.a.id, name: 'Agency A' },
      user: { id: f.viewer.id },
    });
    const after = await t.db.pool.query('SELECT last_login FROM dashboard_users WHERE id = $1', [
      f.viewer.id,
    ]);
    expect(after.rows[0].last_login).toBeInstanceOf(Date);
    // The refresh token is stored only as a hash.
    const s = await t.db.pool.query('SELECT refresh_hash FROM auth_sessions WHERE user_id = $1', [
      f.viewer.id,
    ]);
    expect(s.rows.map((x) => x.refresh_hash)).not.toContain(r.body.refresh_token);
  });

  test('a wrong password and an unknown email are the same 401', async () => {
    const a = await loginFull(t.url, f.user.email, 'nope-nope');
    const b = await loginFull(t.url, 'nobody@nowhere.test', 'nope-nope');
    expect(a.status).toBe(401);
    expect(a.body).toEqual({ error: 'invalid_credentials', message: 'wrong email or password' });
    expect(b.body).toEqual(a.body);
  });

  test('an inactive user cannot log in, even with the right password', async () => {
    const u = await seedUser(t.db.pool, f.a.id, 'user', { active: false });
    const r = await loginFull(t.url, u.email, u.password);
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_credentials');
    const s = await t.db.pool.query('SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1', [
      u.id,
    ]);
    expect(s.rows[0].n).toBe(0);
  });

  test('malformed bodies are 400 with the error shape', async () => {
    const missing = await call(t.url, 'POST', '/v1/auth/login', { body: { email: 'a@b.c' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request', details: { in: 'body' } });
    expect(missing.body.details.issues[0].path).toEqual(['password']);
    const broken = await call(t.url, 'POST', '/v1/auth/login', { body: '{"email":' });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ error: 'malformed_json', message: 'the body is not valid JSON' });
    const huge = await call(t.url, 'POST', '/v1/auth/login', {
      body: { email: 'a@b.c', password: 'x'.repeat(200_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe('payload_too_large');
  });
});

describe('refresh and logout', () => {
  test('refresh rotates: the new pair works, the old refresh token does not, and replaying it ends the session', async () => {
    const first = await loginFull(t.url, f.user.email, f.user.password);
    const r1 = await call(t.url, 'POST', '/v1/auth/refresh', {
      body: { refresh_token: first.body.refresh_token },
    });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(first.body.refresh_token);
    expect((await call(t.url, 'GET', '/v1/me', { token: r1.body.access_token })).status).toBe(200);

    // Replay of the rotated token: refused, and the session (with its newest tokens) is revoked.
    const replay = await call(t.url, 'POST', '/v1/auth/refresh', {
      body: { refresh_token: first.body.refresh_token },
    });
    expect(replay.status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/me', { token: r1.body.access_token })).status).toBe(401);
    const r2 = await call(t.url, 'POST', '/v1/auth/refresh', {
      body: { refresh_token: r1.body.refresh_token },
    });
    expect(r2.status).toBe(401);
  });

  test('refresh reads the httpOnly cookie when the body has no token', async () => {
    const first = await loginFull(t.url, f.user.email, f.user.password);
    const r = await call(t.url, 'POST', '/v1/auth/refresh', {
      body: {},
      headers: { cookie: `beacon_refresh=${first.body.refresh_token}` },
    });
    expect(r.status).toBe(200);
    expect(r.body.user.id).toBe(f.user.id);
  });

  test('logout ends the session at once: its access token and refresh token stop working', async () => {
    const s = await loginFull(t.url, f.user.email, f.user.password);
    expect((await call(t.url, 'GET', '/v1/me', { token: s.body.access_token })).status).toBe(200);
    const out = await call(t.url, 'POST', '/v1/auth/logout', {
      token: s.body.access_token,
      body: { refresh_token: s.body.refresh_token },
    });
    expect(out.status).toBe(204);
    const me = await call(t.url, 'GET', '/v1/me', { token: s.body.access_token });
    expect(me.status).toBe(401);
    expect(me.body.message).toMatch(/session has ended/);
    expect(
      (await call(t.url, 'POST', '/v1/auth/refresh', { body: { refresh_token: s.body.refresh_token } }))
        .status,
    ).toBe(401);
  });

  test('deactivating a user ends their live sessions', async () => {
    const u = await seedUser(t.db.pool, f.a.id, 'viewer');
    const token = await login(t.url, u.email, u.password);
    const adminToken = await login(t.url, f.admin.email, f.admin.password);
    const p = await call(t.url, 'PATCH', `/v1/users/${u.id}`, {
      token: adminToken,
      body: { is_active: false },
    });
    expect(p.status).toBe(200);
    expect((await call(t.url, 'GET', '/v1/me', { token })).status).toBe(401);
  });

  test('a demotion applies to the next request, not at token expiry', async () => {
    const u = await seedUser(t.db.pool, f.a.id, 'admin');
    const token = await login(t.url, u.email, u.password);
    expect((await call(t.url, 'GET', '/v1/users', { token })).status).toBe(200);
    await t.db.pool.query(`UPDATE dashboard_users SET role = 'viewer' WHERE id = $1`, [u.id]);
    expect((await call(t.url, 'GET', '/v1/users', { token })).status).toBe(403);
  });

  test('tampered, foreign-signed and expired access tokens are 401', async () => {
    const token = await login(t.url, f.user.email, f.user.password);
    const tampered = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect((await call(t.url, 'GET', '/v1/me', { token: tampered })).status).toBe(401);
    const other = await startTestApi({ env: { API_ACCESS_TOKEN_TTL_S: '30' } });
    try {
      const foreign = await seedAgency(other.db.pool);
      const u = await seedUser(other.db.pool, foreign.id, 'admin');
      const otherToken = await login(other.url, u.email, u.password);
      // Signed with another installation's secret.
      expect((await call(t.url, 'GET', '/v1/me', { token: otherToken })).status).toBe(401);
    } finally {
      await other.close();
    }
    // Expired: right secret, right claims, exp in the past.
    const sid = (
      await t.db.pool.query(
        'SELECT id FROM auth_sessions WHERE user_id = $1 AND revoked_at IS NULL LIMIT 1',
        [f.user.id],
      )
    ).rows[0].id;
    const expired = await new SignJWT({ agency: f.a.id, role: 'user', sid })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(f.user.id)
      .setIssuer('beacon-api')
      .setAudience('beacon-dashboard')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(t.api.deps.config.api.jwtSecret));
    const exp = await call(t.url, 'GET', '/v1/me', { token: expired });
    expect(exp.status).toBe(401);
    expect(exp.body.error).toBe('token_expired');
    const malformed = await call(t.url, 'GET', '/v1/me', { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get('www-authenticate')).toMatch(/Bearer/);
  });
});

test('ended sessions are purged after 30 days; live ones are kept', async () => {
  const { purgeEndedSessions } = await import('../src/sql/auth.js');
  const u = await seedUser(t.db.pool, f.a.id, 'viewer');
  const ins = `INSERT INTO auth_sessions (user_id, refresh_hash, expires_at, revoked_at) VALUES ($1, $2, now() + make_interval(days => $3), now() + make_interval(days => $4)) RETURNING id`;
  const live = (await t.db.pool.query(ins, [u.id, 'a'.repeat(64), 5, null])).rows[0].id;
  const oldExpired = (await t.db.pool.query(ins, [u.id, 'b'.repeat(64), -40, null])).rows[0].id;
  const oldRevoked = (await t.db.pool.query(ins, [u.id, 'c'.repeat(64), 5, -31])).rows[0].id;
  const recentRevoked = (await t.db.pool.query(ins, [u.id, 'd'.repeat(64), 5, -2])).rows[0].id;
  await t.db.pool.query(purgeEndedSessions, [30]);
  const left = (await t.db.pool.query('SELECT id FROM auth_sessions WHERE user_id = $1', [u.id])).rows.map(
    (r) => r.id,
  );
  expect(left.sort()).toEqual([live, recentRevoked].sort());
  expect(left).not.toContain(oldExpired);
  expect(left).not.toContain(oldRevoked);
});

describe('agency API keys', () => {
  test('a valid key authenticates as admin of its agency; a wrong secret or unknown prefix does not', async () => {
    const ok = await call(t.url, 'GET', '/v1/me', { token: f.a.apiKey });
    expect(ok.body).toMatchObject({ via: 'api_key', role: 'admin', agency: { id: f.a.id }, user: null });
    const wrongSecret = f.a.apiKey.slice(0, -4) + (f.a.apiKey.endsWith('zzzz') ? 'yyyy' : 'zzzz');
    expect((await call(t.url, 'GET', '/v1/me', { token: wrongSecret })).status).toBe(401);
    expect(
      (await call(t.url, 'GET', '/v1/me', { token: 'bk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status,
    ).toBe(401);
    expect((await call(t.url, 'GET', '/v1/me', { token: 'bk_garbage' })).status).toBe(401);
    // A cached key still needs the exact key: the wrong secret stays refused after the good one was cached.
    expect((await call(t.url, 'GET', '/v1/me', { token: wrongSecret })).status).toBe(401);
  });

  test('a key rotated with the CLI statement stops working at once, even though it was cached', async () => {
    const ag = await seedAgency(t.db.pool);
    expect((await call(t.url, 'GET', '/v1/me', { token: ag.apiKey })).status).toBe(200); // now cached
    const newKey = 'bk_abcdef01_NEWSECRETNEWSECRETNEWSECRET1234';
    await t.db.pool.query(adminSql.rotateAgencyKey, [ag.id, await bcrypt.hash(newKey, 4), 'bk_abcdef01']);
    expect((await call(t.url, 'GET', '/v1/me', { token: ag.apiKey })).status).toBe(401);
    const me = await call(t.url, 'GET', '/v1/me', { token: newKey });
    expect(me.status).toBe(200);
    expect(me.body.agency.id).toBe(ag.id);
  });

  test('POST /v1/agency/rotate-key answers a new key; the old one is refused at once', async () => {
    const ag = await seedAgency(t.db.pool);
    const r = await call(t.url, 'POST', '/v1/agency/rotate-key', { token: ag.apiKey });
    expect(r.status).toBe(200);
    expect(r.body.api_key).toMatch(/^bk_[0-9a-f]{8}_[A-Za-z0-9]{32}$/);
    expect((await call(t.url, 'GET', '/v1/me', { token: ag.apiKey })).status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/me', { token: r.body.api_key })).status).toBe(200);
  });

  test('a suspended agency is refused, by key and by user token', async () => {
    const ag = await seedAgency(t.db.pool);
    const u = await seedUser(t.db.pool, ag.id, 'admin');
    const token = await login(t.url, u.email, u.password);
    await t.db.pool.query(`UPDATE agencies SET status = 'suspended' WHERE id = $1`, [ag.id]);
    expect((await call(t.url, 'GET', '/v1/me', { token: ag.apiKey })).status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/me', { token })).status).toBe(401);
    expect((await loginFull(t.url, u.email, u.password)).status).toBe(401);
  });

  test('auth failures are counted by reason in /metrics', async () => {
    await call(t.url, 'GET', '/v1/me', { token: 'bk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    const m = await (await fetch(`${t.url}/metrics`)).text();
    expect(m).toMatch(/beacon_api_auth_failures_total\{reason="invalid_api_key",service="api"\} [1-9]/);
  });
});

describe('login rate limits (real Redis)', () => {
  let rl: TestApi;
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(REDIS_URL, 'producer');
    rl = await startTestApi({
      env: {
        API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        API_LOGIN_MAX_FAILURES_PER_IP: '6',
        QUEUE_PREFIX: uniquePrefix('rl'),
      },
      overrides: { redis },
    });
  });
  afterAll(async () => {
    await rl.close();
    const keys = await redis.keys(`${rl.api.deps.config.core.queuePrefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  test('after N failures the account is locked (429 + Retry-After) even with the right password; other accounts are not', async () => {
    const ag = await seedAgency(rl.db.pool);
    const victim = await seedUser(rl.db.pool, ag.id, 'user');
    const other = await seedUser(rl.db.pool, ag.id, 'user');
    for (let i = 0; i < 3; i++)
      expect((await loginFull(rl.url, victim.email, 'wrong-password')).status).toBe(401);
    const locked = await loginFull(rl.url, victim.email, victim.password);
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('rate_limited');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await loginFull(rl.url, other.email, other.password)).status).toBe(200);
    // The count lives in Redis (shared by every API replica).
    const keys = await redis.keys(`${rl.api.deps.config.core.queuePrefix}:login:*`);
    expect(keys.length).toBeGreaterThan(0);
  });

  test('after M failures from one IP every login from it is refused', async () => {
    const ag = await seedAgency(rl.db.pool);
    const u = await seedUser(rl.db.pool, ag.id, 'user');
    // 3 failures were used by the previous test from this IP (127.0.0.1); spread the rest over new emails.
    for (let i = 0; i < 3; i++) await loginFull(rl.url, `guess${i}@x.test`, 'wrong-password');
    const r = await loginFull(rl.url, u.email, u.password);
    expect(r.status).toBe(429);
  });

  test('bad API keys from one IP are limited too (no bcrypt per guess past the limit)', async () => {
    const api = await startTestApi({
      env: { API_LOGIN_MAX_FAILURES_PER_IP: '3', QUEUE_PREFIX: uniquePrefix('rl3') },
      overrides: { redis },
    });
    try {
      const ag = await seedAgency(api.db.pool);
      const guess = `${ag.apiKey.slice(0, 12)}${'G'.repeat(32)}`;
      for (let i = 0; i < 3; i++)
        expect((await call(api.url, 'GET', '/v1/me', { token: guess })).status).toBe(401);
      const blocked = await call(api.url, 'GET', '/v1/me', { token: guess });
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('retry-after')).toBeTruthy();
    } finally {
      await api.close();
    }
  });

  test('a successful login clears the account count', async () => {
    const api = await startTestApi({
      env: { API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '2', QUEUE_PREFIX: uniquePrefix('rl2') },
      overrides: { redis },
    });
    try {
      const ag = await seedAgency(api.db.pool);
      const u = await seedUser(api.db.pool, ag.id, 'user');
      expect((await loginFull(api.url, u.email, 'bad-one')).status).toBe(401);
      expect((await loginFull(api.url, u.email, u.password)).status).toBe(200);
      expect((await loginFull(api.url, u.email, 'bad-two')).status).toBe(401);
      expect((await loginFull(api.url, u.email, u.password)).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
