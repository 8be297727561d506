import { call, login, seedTwoAgencies, startTestApi, type TestApi } from './helpers.js';

let t: TestApi;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;

beforeAll(async () => {
  t = await startTestApi();
  f = await seedTwoAgencies(t.db.pool);
});
afterAll(async () => {
  await t.close();
});

describe('login', () => {
  test('email + password answers a token that /v1/me accepts, and sets last_login', async () => {
    const token = await login(t.url, f.viewer.email.toUpperCase(), f.viewer.password);
    const me = await call(t.url, 'GET', '/v1/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ via: 'user', role: 'viewer', agency: { id: f.a.id }, user: { id: f.viewer.id } });
    expect(me.body.user.last_login).not.toBeNull();
  });

  test('a wrong password is 401 with the error shape', async () => {
    const r = await call(t.url, 'POST', '/v1/auth/login', { body: { email: f.user.email, password: 'nope-nope' } });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
  });

  test('an API key acts as admin of its agency', async () => {
    const me = await call(t.url, 'GET', '/v1/me', { token: f.a.apiKey });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ via: 'api_key', role: 'admin', agency: { id: f.a.id }, user: null });
  });

  test('no credentials is 401', async () => {
    const r = await call(t.url, 'GET', '/v1/me');
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('unauthorized');
  });
});
