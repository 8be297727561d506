/// <reference types="jest" />
/**
 * Test helpers of the API (real PostgreSQL; Redis only where a test asks for it). Shared by every
 * services/api test file, including the analytics routes' tests.
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { parseConfig } from '@beacon/config';
import type { Pool } from '@beacon/db';
import { silentObservability } from '@beacon/observability';
import { apiTestEnv, createTestDatabase, uniquePrefix, type TestDatabase } from '@beacon/testkit';
import { startApi, type ApiHandle, type ApiOverrides } from '../src/index.js';
import type { StatsDeps, StatsSite } from '../src/queries/index.js';
import type { Source } from '../src/queries/rollups.js';
import { seedStats } from './fixtures/stats-data.js';

export interface TestApi {
  db: TestDatabase;
  api: ApiHandle;
  url: string;
  close(): Promise<void>;
}

/** A fresh database and an API on an ephemeral port. `env` adds or overrides settings. */
export async function startTestApi(
  opts: { env?: Record<string, string>; overrides?: ApiOverrides; db?: TestDatabase } = {},
): Promise<TestApi> {
  // A caller's own database (e.g. a private primary with a replica) is used as given and not dropped.
  const db = opts.db ?? (await createTestDatabase());
  const config = parseConfig({
    ...apiTestEnv(db.url, uniquePrefix('api')),
    // No background work (alert workers and their Redis connections, report timers) unless a test asks.
    API_BACKGROUND_JOBS: 'false',
    ...opts.env,
  });
  const api = await startApi(config, {
    port: 0,
    host: '127.0.0.1',
    redis: null,
    ...silentObservability('api'),
    ...opts.overrides,
  });
  return {
    db,
    api,
    url: `http://127.0.0.1:${api.port}`,
    async close() {
      await api.close();
      if (!opts.db) await db.drop();
    },
  };
}

export interface SeededAgency {
  id: string;
  apiKey: string;
}

/** An agency with a working API key (bcrypt cost 4: fast in tests, verified the same way). */
export async function seedAgency(
  pool: Pool,
  name = `Agency ${randomBytes(3).toString('hex')}`,
): Promise<SeededAgency> {
  const prefix = `bk_${randomBytes(4).toString('hex')}`;
  const apiKey = `${prefix}_${randomBytes(24)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 32)}`;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO agencies (name, email, api_key, api_key_prefix) VALUES ($1, $2, $3, $4) RETURNING id`,
    [name, `${randomBytes(4).toString('hex')}@agency.test`, await bcrypt.hash(apiKey, 4), prefix],
  );
  return { id: rows[0]!.id, apiKey };
}

export interface SeededUser {
  id: string;
  email: string;
  password: string;
  role: 'admin' | 'user' | 'viewer';
}

export async function seedUser(
  pool: Pool,
  agencyId: string,
  role: 'admin' | 'user' | 'viewer',
  opts: { active?: boolean; password?: string } = {},
): Promise<SeededUser> {
  const email = `${role}-${randomBytes(4).toString('hex')}@user.test`;
  const password = opts.password ?? `pw-${randomBytes(6).toString('hex')}`;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO dashboard_users (agency_id, email, password_hash, role, is_active) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [agencyId, email, await bcrypt.hash(password, 4), role, opts.active ?? true],
  );
  return { id: rows[0]!.id, email, password, role };
}

export interface SeededSite {
  id: string;
  scriptId: string;
}

export async function seedSite(
  pool: Pool,
  agencyId: string,
  opts: { scriptId?: string; config?: Record<string, unknown>; status?: string; name?: string } = {},
): Promise<SeededSite> {
  const scriptId = opts.scriptId ?? randomBytes(6).toString('hex');
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO sites (agency_id, name, domain, script_id, config, status) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      agencyId,
      opts.name ?? `Site ${scriptId}`,
      `${scriptId}.example.com`,
      scriptId,
      JSON.stringify(opts.config ?? {}),
      opts.status ?? 'active',
    ],
  );
  return { id: rows[0]!.id, scriptId };
}

/** Logs in and returns the access token (throws on failure). */
export async function login(url: string, email: string, password: string): Promise<string> {
  const r = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

/** fetch with a bearer token and JSON body; answers status, parsed body (or text) and headers. */
export async function call(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // The body is whatever JSON the route answered; tests assert on its shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const r = await fetch(`${url}${path}`, {
    method,
    headers,
    body:
      opts.body === undefined
        ? undefined
        : typeof opts.body === 'string'
          ? opts.body
          : JSON.stringify(opts.body),
  });
  const text = await r.text();
  let body: unknown = text;
  if ((r.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: r.status, body, headers: r.headers };
}

/**
 * One agency with a user of each role, a site, and a second agency (with its own site and admin) to
 * probe the tenant wall. The common fixture of route tests.
 */
export async function seedTwoAgencies(pool: Pool) {
  const a = await seedAgency(pool, 'Agency A');
  const b = await seedAgency(pool, 'Agency B');
  const [admin, user, viewer, adminB] = await Promise.all([
    seedUser(pool, a.id, 'admin'),
    seedUser(pool, a.id, 'user'),
    seedUser(pool, a.id, 'viewer'),
    seedUser(pool, b.id, 'admin'),
  ]);
  const siteA = await seedSite(pool, a.id);
  const siteB = await seedSite(pool, b.id);
  return { a, b, admin, user, viewer, adminB, siteA, siteB };
}

export type TwoAgencies = Awaited<ReturnType<typeof seedTwoAgencies>>;

/** Access tokens of seedTwoAgencies' users: A's admin, user and viewer, and B's admin. */
export async function loginAll(
  url: string,
  f: TwoAgencies,
): Promise<Record<'admin' | 'user' | 'viewer' | 'adminB', string>> {
  return {
    admin: await login(url, f.admin.email, f.admin.password),
    user: await login(url, f.user.email, f.user.password),
    viewer: await login(url, f.viewer.email, f.viewer.password),
    adminB: await login(url, f.adminB.email, f.adminB.password),
  };
}

/** Access tokens of seedTwoAgencies' users, by role (loginAll). */
export type Tokens = Awaited<ReturnType<typeof loginAll>>;

/** Sets a seeded site's config (e.g. its timezone) and answers the site as the stats queries take it. */
export async function configureSite(
  pool: Pool,
  site: SeededSite,
  config: Record<string, unknown>,
): Promise<StatsSite> {
  await pool.query(`UPDATE sites SET config = $2 WHERE id = $1`, [site.id, JSON.stringify(config)]);
  return { scriptId: site.scriptId, config };
}

/**
 * Runs a stats question twice, with rollups allowed and with rollups off: both answers, and the
 * sources (days|rollup|events) the first one was read from.
 */
export async function rolledAndRaw<T>(pool: Pool, fn: (deps: StatsDeps) => Promise<T>) {
  const seen: Source[] = [];
  const rolled = await fn({ pool, rollups: true, onSource: (s) => seen.push(s) });
  const raw = await fn({ pool, rollups: false });
  return { rolled, raw, sources: [...new Set(seen)] };
}

/** rolledAndRaw, asserting the two answers equal and read from `source` alone: the answer. */
export async function sameFrom<T>(
  pool: Pool,
  source: Source,
  fn: (deps: StatsDeps) => Promise<T>,
): Promise<T> {
  const r = await rolledAndRaw(pool, fn);
  expect(r.sources).toEqual([source]);
  expect(r.rolled).toEqual(r.raw);
  return r.raw;
}

/** A query schema's answer for a query string's values, typed as the schema's output. */
export const parseQuery = <S extends { parse: (v: unknown) => unknown }>(
  schema: S,
  v: Record<string, string | string[]>,
) => schema.parse(v) as ReturnType<S['parse']>;

/** A new user of the agency with this role, logged in: its access token. */
export async function loginAs(
  t: TestApi,
  agencyId: string,
  role: 'admin' | 'user' | 'viewer',
): Promise<string> {
  const u = await seedUser(t.db.pool, agencyId, role);
  return login(t.url, u.email, u.password);
}

/** Agencies A and B with the stats fixture's sites and events (fixtures/stats-data.ts). */
export async function seedStatsAgencies(pool: Pool) {
  const a = await seedAgency(pool, 'Agency A');
  const b = await seedAgency(pool, 'Agency B');
  return { a, b, ids: await seedStats(pool, { agencyA: a.id, agencyB: b.id }) };
}
