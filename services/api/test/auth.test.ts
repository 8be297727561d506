import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';
import { adminSql } from '@beacon/db';
import { createRedis, type Redis } from '@beacon/queue';
import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { hashRefreshToken } from '../src/auth/tokens.js';
import {
  call,
  login,
  seedAgency,
  seedTwoAgencies,
  seedUser,
  startTestApi,
  type SeededAgency,
  type TestApi,
} from './helpers.js';

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
  const r = await call(url, 'POST', '/v1/auth/login', { body: { email, password } });
  return { ...r, refresh: refreshCookieOf(r.headers) };
}

/** The refresh token from the Set-Cookie of an answer (the only place it travels). */
function refreshCookieOf(headers: Headers): string | undefined {
  return /beacon_refresh=([^;]*)/.exec(headers.get('set-cookie') ?? '')?.[1] || undefined;
}

/** POST /v1/auth/refresh presenting `token` as the cookie; answers the new refresh token too. */
async function refreshWith(url: string, token: string | undefined) {
  const r = await call(url, 'POST', '/v1/auth/refresh', {
    body: {},
    headers: token ? { cookie: `beacon_refresh=${token}` } : {},
  });
  return { ...r, refresh: refreshCookieOf(r.headers) };
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
    // The refresh token is only in the httpOnly cookie, never in the body.
    expect(r.body).not.toHaveProperty('refresh_token');
    expect(JSON.stringify(r.body)).not.toContain(r.refresh);
    expect(r.refresh).toMatch(/^brt_/);
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
    expect(s.rows.map((x) => x.refresh_hash)).not.toContain(r.refresh);
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
    const r1 = await refreshWith(t.url, first.refresh);
    expect(r1.status).toBe(200);
    expect(r1.body).not.toHaveProperty('refresh_token');
    expect(r1.refresh).toMatch(/^brt_/);
    expect(r1.refresh).not.toBe(first.refresh);
    expect((await call(t.url, 'GET', '/v1/me', { token: r1.body.access_token })).status).toBe(200);

    // Replay of the rotated token: refused, and the session (with its newest tokens) is revoked.
    const replay = await refreshWith(t.url, first.refresh);
    expect(replay.status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/me', { token: r1.body.access_token })).status).toBe(401);
    expect((await refreshWith(t.url, r1.refresh)).status).toBe(401);
  });

  test('replaying ANY earlier token of the family, after two rotations by a thief, ends the thief session', async () => {
    const owner = await loginFull(t.url, f.user.email, f.user.password);
    // The thief holds the first token and rotates twice.
    const thief1 = await refreshWith(t.url, owner.refresh);
    const thief2 = await refreshWith(t.url, thief1.refresh);
    expect([thief1.status, thief2.status]).toEqual([200, 200]);
    expect((await call(t.url, 'GET', '/v1/me', { token: thief2.body.access_token })).status).toBe(200);
    // The owner's dashboard replays the first token: the whole family is revoked.
    const replay = await refreshWith(t.url, owner.refresh);
    expect(replay.status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/me', { token: thief2.body.access_token })).status).toBe(401);
    expect((await refreshWith(t.url, thief2.refresh)).status).toBe(401);
    const { rows } = await t.db.pool.query(
      `SELECT s.revoked_reason,
              (SELECT count(*)::int FROM auth_refresh_history h WHERE h.session_id = s.id) AS rotated
       FROM auth_sessions s WHERE s.refresh_hash = $1`,
      [hashRefreshToken(thief2.refresh!)],
    );
    expect(rows).toEqual([{ revoked_reason: 'refresh_reuse', rotated: 2 }]);
  });

  test('refresh takes the token only from the cookie (a body refresh_token is refused as unknown input)', async () => {
    const first = await loginFull(t.url, f.user.email, f.user.password);
    const inBody = await call(t.url, 'POST', '/v1/auth/refresh', { body: { refresh_token: first.refresh } });
    expect(inBody.status).toBe(400);
    expect((await refreshWith(t.url, undefined)).status).toBe(401);
    const r = await refreshWith(t.url, first.refresh);
    expect(r.status).toBe(200);
    expect(r.body.user.id).toBe(f.user.id);
  });

  test('logout ends the session at once: its access token and refresh token stop working', async () => {
    const s = await loginFull(t.url, f.user.email, f.user.password);
    expect((await call(t.url, 'GET', '/v1/me', { token: s.body.access_token })).status).toBe(200);
    const out = await call(t.url, 'POST', '/v1/auth/logout', {
      token: s.body.access_token,
      headers: { cookie: `beacon_refresh=${s.refresh}` },
    });
    expect(out.status).toBe(204);
    const me = await call(t.url, 'GET', '/v1/me', { token: s.body.access_token });
    expect(me.status).toBe(401);
    expect(me.body.message).toMatch(/session has ended/);
    expect((await refreshWith(t.url, s.refresh)).status).toBe(401);
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
    const m = await (await fetch(`http://127.0.0.1:${t.api.opsPort}/metrics`)).text();
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
  /** A test's own API with these settings (login limits in the shared Redis), one agency seeded; closed after. */
  async function withApi(
    name: string,
    env: Record<string, string>,
    fn: (api: TestApi, ag: SeededAgency) => Promise<void>,
  ): Promise<void> {
    const api = await startTestApi({
      env: { ...env, QUEUE_PREFIX: uniquePrefix(name) },
      overrides: { redis },
    });
    try {
      await fn(api, await seedAgency(api.db.pool));
    } finally {
      await api.close();
    }
  }
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
    await withApi('rl3', { API_LOGIN_MAX_FAILURES_PER_IP: '3' }, async (api, ag) => {
      const guess = `${ag.apiKey.slice(0, 12)}${'G'.repeat(32)}`;
      for (let i = 0; i < 3; i++)
        expect((await call(api.url, 'GET', '/v1/me', { token: guess })).status).toBe(401);
      const blocked = await call(api.url, 'GET', '/v1/me', { token: guess });
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('retry-after')).toBeTruthy();
    });
  });

  test('100 concurrent wrong passwords for one account: at most the limit reach bcrypt, the rest are 429', async () => {
    await withApi(
      'flood',
      { API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '8', API_LOGIN_MAX_FAILURES_PER_IP: '1000' },
      async (api, ag) => {
        // A production-cost hash (10 rounds), so bcrypt time is what the flood would really cost.
        const u = await seedUser(api.db.pool, ag.id, 'user');
        await api.db.pool.query('UPDATE dashboard_users SET password_hash = $2 WHERE id = $1', [
          u.id,
          await bcrypt.hash(u.password, 10),
        ]);
        const cpu0 = process.cpuUsage();
        const started = performance.now();
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) => loginFull(api.url, u.email, `wrong-${i}`)),
        );
        const ms = performance.now() - started;
        const cpu = process.cpuUsage(cpu0);
        const counts = answers.reduce<Record<number, number>>(
          (c, a) => ({ ...c, [a.status]: (c[a.status] ?? 0) + 1 }),
          {},
        );
        expect(counts[401]).toBe(8);
        expect(counts[429]).toBe(92);
        expect(answers.find((a) => a.status === 429)!.headers.get('retry-after')).toBeTruthy();
        // 8 bcrypt checks, not 100 (about 0.6 s of CPU here, test process included; 100 would be ~6 s).
        // CPU time is the bound that matters; wall time only guards against a hang (the machine is shared).
        expect(ms).toBeLessThan(20_000);
        expect((cpu.user + cpu.system) / 1000).toBeLessThan(3_000);
      },
    );
  });

  test('100 concurrent wrong API keys from one IP: at most the limit are checked, the rest are 429', async () => {
    await withApi('keyflood', { API_LOGIN_MAX_FAILURES_PER_IP: '10' }, async (api, ag) => {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          call(api.url, 'GET', '/v1/me', {
            token: `${ag.apiKey.slice(0, 12)}${String(i).padStart(32, 'G')}`,
          }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(90);
      // The right key is refused too until the window ends (its IP is out of attempts)...
      expect((await call(api.url, 'GET', '/v1/me', { token: ag.apiKey })).status).toBe(429);
    });
  });

  test('a right API key gives its point back: many first uses never lock the IP', async () => {
    await withApi(
      'keyok',
      { API_LOGIN_MAX_FAILURES_PER_IP: '2', API_KEY_CACHE_TTL_S: '0' },
      async (api, ag) => {
        for (let i = 0; i < 5; i++)
          expect((await call(api.url, 'GET', '/v1/me', { token: ag.apiKey })).status).toBe(200);
      },
    );
  });

  test('bcrypt work is capped: past API_BCRYPT_QUEUE_MAX waiting checks the answer is 503 at once', async () => {
    await withApi(
      'gate',
      { API_BCRYPT_CONCURRENCY: '1', API_BCRYPT_QUEUE_MAX: '2', API_LOGIN_MAX_FAILURES_PER_IP: '1000' },
      async (api) => {
        // 40 different unknown emails: no account limit applies, every one needs a (dummy) bcrypt check.
        // 40 (not 12): on a fast, quiet machine 12 could trickle in slower than one check takes.
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) => loginFull(api.url, `nobody${i}@x.test`, 'wrong-password')),
        );
        const statuses = answers.map((a) => a.status);
        // One running + two waiting are checked (401); what arrives while they wait is turned away
        // without bcrypt (how many depends on arrival times: requests trickle in over the connections).
        expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(3);
        expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
        expect(statuses.filter((s) => s !== 401 && s !== 503)).toEqual([]);
        const busy = answers.find((a) => a.status === 503)!;
        expect(busy.headers.get('retry-after')).toBe('1');
        expect(api.api.deps.bcrypt.load).toEqual({ active: 0, pending: 0 });
      },
    );
  });

  test('a successful login clears the account count', async () => {
    await withApi('rl2', { API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' }, async (api, ag) => {
      const u = await seedUser(api.db.pool, ag.id, 'user');
      expect((await loginFull(api.url, u.email, 'bad-one')).status).toBe(401);
      expect((await loginFull(api.url, u.email, u.password)).status).toBe(200);
      expect((await loginFull(api.url, u.email, 'bad-two')).status).toBe(401);
      expect((await loginFull(api.url, u.email, u.password)).status).toBe(200);
    });
  });
});
