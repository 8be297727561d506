import { createErasure, ensurePartitions, getErasure, rebuildRollups } from '@beacon/db';
import { call, login, seedSite, seedTwoAgencies, startTestApi, type TestApi } from './helpers.js';

// Data subject rights through the API: find, export (JSON, CSV) and erase one person across month
// partitions (and the default partition), sites of the agency, sessions, dead letters and rollups,
// without touching anyone else or another agency; every request in the audit log. Real PostgreSQL.

const X = { client_id: 'cid-x', email_hash: 'e'.repeat(64), ip: '203.0.113.7' };
const UA = 'privacy-test/1';
let t: TestApi;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
let siteA2: { id: string; scriptId: string };
let admin: string;
let viewer: string;
let adminB: string;

type Ev = Record<string, unknown>;
let n = 0;
function ev(site: string, at: string, client: string | null, session: string | null, extra: Ev = {}): Ev {
  n++;
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    site_id: site,
    event_id: `e${n}`,
    event_name: n % 4 === 0 ? 'signup' : 'page_view',
    server_timestamp: at,
    client_id: client,
    session_id: session,
    page_path: `/p${n % 3}`,
    page_url: `https://x.example/p${n % 3}`,
    visitor_type: 'human',
    country: 'FR',
    ip_address: '198.51.100.1',
    ...extra,
  };
}

async function insertEvents(rows: Ev[]): Promise<void> {
  await t.db.pool.query(
    `INSERT INTO events SELECT * FROM jsonb_populate_recordset(NULL::events, $1::jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** Every period total the rollups give, per site and UTC day (what dashboards read). */
async function rollupTotals(): Promise<unknown> {
  const s = await t.db.pool.query(`
    SELECT site_id, date_trunc('day', hour, 'UTC') AS day, sum(page_views)::int AS pv, sum(events)::int AS ev,
           sum(engagement_time)::int AS eng, count(DISTINCT visitor_key)::int AS visitors,
           count(DISTINCT session_key)::int AS sessions, count(*)::int AS rows
    FROM rollup_sessions GROUP BY 1, 2 ORDER BY 1, 2`);
  const nm = await t.db.pool.query(`
    SELECT site_id, date_trunc('day', hour, 'UTC') AS day, kind, name, sum(count)::int AS n,
           count(DISTINCT visitor_key)::int AS visitors, count(DISTINCT session_key)::int AS sessions
    FROM rollup_names GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`);
  return { sessions: s.rows, names: nm.rows };
}

const X_SESSIONS = ['sx1', 'sx2', 'sx3', 'sx4', 'sx5'];
let others: Ev[];

beforeAll(async () => {
  t = await startTestApi();
  f = await seedTwoAgencies(t.db.pool);
  siteA2 = await seedSite(t.db.pool, f.a.id);
  [admin, viewer, adminB] = await Promise.all([
    login(t.url, f.admin.email, f.admin.password),
    login(t.url, f.viewer.email, f.viewer.password),
    login(t.url, f.adminB.email, f.adminB.password),
  ]);
  await ensurePartitions(t.db.pool, { monthsAhead: 2, now: new Date('2026-08-01T00:00:00Z') });
  const A = f.siteA.scriptId;
  const A2 = siteA2.scriptId;
  const B = f.siteB.scriptId;
  const mine: Ev[] = [
    // By client_id, three months (and the IP on some).
    ev(A, '2026-08-03T10:00:00Z', X.client_id, 'sx1'),
    ev(A, '2026-08-03T10:20:00Z', X.client_id, 'sx1', { ip_address: X.ip }),
    ev(A, '2026-09-14T23:50:00Z', X.client_id, 'sx2'),
    ev(A, '2026-09-15T00:10:00Z', X.client_id, 'sx2'),
    ev(A, '2026-10-01T08:00:00Z', X.client_id, 'sx3', { user_id: 'u-x' }),
    // By email_hash only, on the agency's second site, another browser.
    ev(A2, '2026-09-02T12:00:00Z', 'cid-x-laptop', 'sx4', { email_hash: X.email_hash }),
    // By IP only, in a month without a partition (default partition).
    ev(A, '2025-01-10T09:00:00Z', 'cid-x-phone', 'sx5', { ip_address: X.ip }),
  ];
  others = [];
  for (let i = 0; i < 60; i++) {
    const site = i % 3 === 0 ? A2 : A;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = ['08', '09', '10'][i % 3];
    // Some share a session with X's sessions' hours, pages and countries.
    others.push(
      ev(
        site,
        `2026-${month}-${day}T10:${String(i % 60).padStart(2, '0')}:00Z`,
        `cid-o${i % 7}`,
        `so${i % 11}`,
      ),
    );
  }
  // The same client_id in agency B: another agency's data, never touched by A's requests.
  const theirs = [
    ev(B, '2026-08-03T10:05:00Z', X.client_id, 'sb1'),
    ev(B, '2026-09-03T10:05:00Z', X.client_id, 'sb1'),
  ];
  await insertEvents([...mine, ...others, ...theirs]);
  await t.db.pool.query(`
    INSERT INTO sessions (session_id, client_id, site_id, started_at, page_views)
    VALUES ('sx1', 'cid-x', '${A}', '2026-08-03T10:00Z', 2), ('sx2', 'cid-x', '${A}', '2026-09-14T23:50Z', 2),
           ('sx3', 'cid-x', '${A}', '2026-10-01T08:00Z', 1), ('sx4', 'cid-x-laptop', '${A2}', '2026-09-02T12:00Z', 1),
           ('sx5', 'cid-x-phone', '${A}', '2025-01-10T09:00Z', 1), ('so1', 'cid-o1', '${A}', '2026-08-02T10:00Z', 3),
           ('so2', 'cid-o2', '${A2}', '2026-08-02T10:00Z', 3), ('sb1', 'cid-x', '${B}', '2026-08-03T10:05Z', 2)`);
  await t.db.pool.query(
    `INSERT INTO dead_events (id, site_id, stage, payload, error) VALUES
       (gen_random_uuid(), $1, 'writer', $3, 'value too long'),
       (gen_random_uuid(), $1, 'enricher', $4, 'bad hit'),
       (gen_random_uuid(), $1, 'writer', $5, 'value too long'),
       (gen_random_uuid(), $2, 'writer', $3, 'value too long')`,
    [
      A,
      B,
      JSON.stringify({ client_id: X.client_id, page_url: 'https://x.example/' }),
      JSON.stringify({ request: { site_id: A, ip: X.ip, user_agent: 'UA' }, hit: { client_id: 'zzz' } }),
      JSON.stringify({ client_id: 'cid-o1' }),
    ],
  );
  for (const s of [A, A2, B]) await rebuildRollups(t.db.pool, { siteId: s });
});
afterAll(async () => {
  await t.close();
});

const post = (path: string, body: unknown, token = admin) =>
  call(t.url, 'POST', path, { token, body, headers: { 'user-agent': UA } });

/** The reference: what a direct query finds of X in agency A, in export order. */
async function reference() {
  const sites = [f.siteA.scriptId, siteA2.scriptId];
  const q = async (text: string, p: unknown[]) =>
    JSON.parse(JSON.stringify((await t.db.pool.query(text, p)).rows));
  const events = await q(
    `SELECT * FROM events WHERE site_id = ANY($1) AND (client_id = $2 OR email_hash = $3 OR ip_address = $4)
     ORDER BY server_timestamp, id`,
    [sites, X.client_id, X.email_hash, X.ip],
  );
  const sessions = await q(
    `SELECT * FROM sessions WHERE session_id = ANY($1) ORDER BY started_at, session_id`,
    [X_SESSIONS],
  );
  const dead = await q(
    `SELECT id, site_id, stage, payload, error, sqlstate, first_seen_at, last_seen_at, count, replayed_at FROM dead_events
     WHERE site_id = $1 AND (payload->>'client_id' = $2 OR payload->'request'->>'ip' = $3) ORDER BY first_seen_at, id`,
    [f.siteA.scriptId, X.client_id, X.ip],
  );
  return { events, sessions, dead_events: dead };
}

describe('privacy routes', () => {
  it('find counts what agency A holds about the person (every month, both sites); B sees only its own', async () => {
    const res = await post('/v1/privacy/find', X);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      events: 7,
      event_sessions: 5,
      event_clients: 3,
      sessions: 5,
      dead_events: 2,
      first_event_at: '2025-01-10T09:00:00.000Z',
      last_event_at: '2026-10-01T08:00:00.000Z',
    });
    const b = await post('/v1/privacy/find', X, adminB);
    expect(b.body).toMatchObject({ events: 2, sessions: 1, dead_events: 1 });
  });

  it('export (JSON) is exactly the reference; CSV has every events column and the same rows', async () => {
    const ref = await reference();
    expect(ref.events).toHaveLength(7);
    const res = await post('/v1/privacy/export', X);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ agency_id: f.a.id, subject_kinds: ['client_id', 'email_hash', 'ip'] });
    expect({
      events: res.body.events,
      sessions: res.body.sessions,
      dead_events: res.body.dead_events,
    }).toEqual(ref);

    const csv = await post('/v1/privacy/export', { ...X, format: 'csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trimEnd().split('\r\n');
    const columns = (await t.db.pool.query('SELECT * FROM events LIMIT 0')).fields.map((x) => x.name);
    expect(lines[0]).toBe(columns.join(','));
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(ref.events.map((e: { id: string }) => e.id));
    const sess = await post('/v1/privacy/export', { ...X, format: 'csv', table: 'sessions' });
    expect((sess.body as string).trimEnd().split('\r\n')).toHaveLength(1 + 5);

    // Nobody: an empty export, still well-formed.
    const none = await post('/v1/privacy/export', { user_id: 'nobody' });
    expect(none.body).toMatchObject({ events: [], sessions: [], dead_events: [] });
  });

  it('refuses bad subjects with 400 and non-admins with 403', async () => {
    for (const body of [
      {},
      { client_id: '  ' },
      { ip: 'not-an-ip' },
      { name: 'x' },
      { client_id: 'x'.repeat(101) },
    ]) {
      const res = await post('/v1/privacy/find', body);
      expect({ body, status: res.status, error: res.body.error }).toEqual({
        body,
        status: 400,
        error: 'invalid_request',
      });
    }
    expect((await post('/v1/privacy/erasures', { client_id: 'x' }, viewer)).status).toBe(403);
    expect(
      (
        await call(t.url, 'GET', '/v1/privacy/erasures/00000000-0000-0000-0000-000000000000', {
          token: admin,
        })
      ).status,
    ).toBe(404);
    expect((await call(t.url, 'GET', '/v1/privacy/erasures/not-a-uuid', { token: admin })).status).toBe(404);
  });

  it('erase removes every row of the person in agency A, keeps everyone else and every rollup total', async () => {
    const totals = await rollupTotals();
    const overview = (site: string) =>
      call(t.url, 'GET', `/v1/sites/${site}/stats/overview?from=2026-08-01&to=2026-10-31`, { token: admin });
    const ovBefore = await overview(f.siteA.id);
    expect(ovBefore.headers.get('x-beacon-source')).toBe('rollup');
    const countOthers = async () =>
      (await t.db.pool.query(`SELECT count(*)::int AS n FROM events WHERE client_id LIKE 'cid-o%'`)).rows[0]
        .n;
    expect(await countOthers()).toBe(others.length);

    const res = await post('/v1/privacy/erasures', X);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ subject_kinds: ['client_id', 'email_hash', 'ip'] });
    expect(JSON.stringify(res.body)).not.toContain(X.client_id);
    let r = res.body;
    for (let i = 0; i < 200 && r.state !== 'done'; i++) {
      await new Promise((ok) => setTimeout(ok, 50));
      r = (await call(t.url, 'GET', `/v1/privacy/erasures/${r.id}`, { token: admin })).body;
      expect(r.state).not.toBe('failed');
    }
    expect(r).toMatchObject({
      state: 'done',
      phase: 'done',
      counts: { events: 7, sessions: 5, dead_events: 2, dedupe_markers: 0 },
    });
    expect(r.counts.rollup_sessions).toBeGreaterThan(0);
    expect(r.counts.rollup_names).toBeGreaterThan(0);

    // Nothing of theirs left in A; the same client_id in B untouched; everyone else intact.
    expect((await post('/v1/privacy/find', X)).body).toMatchObject({
      events: 0,
      sessions: 0,
      dead_events: 0,
    });
    expect((await post('/v1/privacy/find', X, adminB)).body).toMatchObject({
      events: 2,
      sessions: 1,
      dead_events: 1,
    });
    expect(await countOthers()).toBe(others.length);
    const { rows: left } = await t.db.pool.query(
      `SELECT
         (SELECT count(*) FROM sessions WHERE session_id LIKE 'so%')::int AS other_sessions,
         (SELECT count(*) FROM dead_events WHERE payload->>'client_id' = 'cid-o1')::int AS other_dead,
         (SELECT count(*) FROM rollup_sessions WHERE site_id = ANY($1) AND (visitor_key = ANY($2::bigint[]) OR session_key = ANY($3::bigint[])))::int AS keyed_sessions,
         (SELECT count(*) FROM rollup_names WHERE site_id = ANY($1) AND (visitor_key = ANY($2::bigint[]) OR session_key = ANY($3::bigint[])))::int AS keyed_names,
         (SELECT count(*) FROM rollup_sessions WHERE site_id = $4 AND visitor_key = hashtextextended('cid-x', 0))::int AS b_rollups,
         (SELECT count(*) FROM privacy_erasure_keys)::int AS notes,
         (SELECT count(*) FROM privacy_erasures WHERE id = $5 AND subject IS NULL AND salt IS NULL)::int AS wiped`,
      [
        [f.siteA.scriptId, siteA2.scriptId],
        (
          await t.db.pool.query(
            `SELECT array_agg(hashtextextended(c, 0)) AS k FROM unnest(ARRAY['cid-x','cid-x-laptop','cid-x-phone']) c`,
          )
        ).rows[0].k,
        (
          await t.db.pool.query(`SELECT array_agg(hashtextextended(s, 0)) AS k FROM unnest($1::text[]) s`, [
            X_SESSIONS,
          ])
        ).rows[0].k,
        f.siteB.scriptId,
        r.id,
      ],
    );
    expect(left[0]).toEqual({
      other_sessions: 2,
      other_dead: 1,
      keyed_sessions: 0,
      keyed_names: 0,
      b_rollups: 2,
      notes: 0,
      wiped: 1,
    });
    // Period totals, distinct visitors and sessions included, are what they were.
    expect(await rollupTotals()).toEqual(totals);
    const ovAfter = await overview(f.siteA.id);
    expect(ovAfter.headers.get('x-beacon-source')).toBe('rollup');
    expect(ovAfter.body).toEqual(ovBefore.body);

    const list = await call(t.url, 'GET', '/v1/privacy/erasures', { token: admin });
    expect(list.body.items.map((e: { id: string }) => e.id)).toContain(r.id);
    expect((await call(t.url, 'GET', '/v1/privacy/erasures', { token: adminB })).body.items).toEqual([]);
  });

  it('the audit log has each request with who, when and from where, never the identifiers', async () => {
    const res = await call(t.url, 'GET', '/v1/audit?action=privacy.', { token: admin });
    expect(res.status).toBe(200);
    const actions = res.body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'privacy.find').length).toBeGreaterThanOrEqual(2);
    expect(actions).toContain('privacy.export');
    expect(actions).toContain('privacy.erase');
    for (const e of res.body.items) {
      expect(e.actor).toEqual({ type: 'user', user_id: f.admin.id, email: f.admin.email });
      expect(e.user_agent).toBe(UA);
      expect(e.ip).toMatch(/127\.0\.0\.1$/);
      expect(Date.now() - Date.parse(e.at)).toBeLessThan(120_000);
    }
    const text = JSON.stringify(res.body);
    for (const v of Object.values(X)) expect(text).not.toContain(v);
    // B's admin did finds too, in B's log only.
    const b = await call(t.url, 'GET', '/v1/audit', { token: adminB });
    expect(b.body.items.every((e: { actor: { user_id: string } }) => e.actor.user_id === f.adminB.id)).toBe(
      true,
    );
    expect((await call(t.url, 'GET', '/v1/audit', { token: viewer })).status).toBe(403);
  });
});

describe('audit log of the admin routes', () => {
  it('records users, roles, sites, agency settings and key rotation, pages newest first', async () => {
    const u = await post('/v1/users', {
      email: 'audited@user.test',
      password: 'long-enough',
      role: 'viewer',
    });
    expect(u.status).toBe(201);
    await call(t.url, 'PATCH', `/v1/users/${u.body.id}`, {
      token: admin,
      body: { role: 'user' },
      headers: { 'user-agent': UA },
    });
    await call(t.url, 'DELETE', `/v1/users/${u.body.id}`, { token: admin, headers: { 'user-agent': UA } });
    const s = await post('/v1/sites', { name: 'Audited', domain: 'audited.example' });
    await call(t.url, 'PATCH', `/v1/sites/${s.body.id}`, { token: admin, body: { name: 'Audited 2' } });
    await call(t.url, 'DELETE', `/v1/sites/${s.body.id}`, { token: admin });
    await call(t.url, 'PATCH', '/v1/agency', { token: admin, body: { config: { retention_months: 6 } } });
    const key = await post('/v1/agency/rotate-key', undefined);
    expect(key.status).toBe(200);
    // The API key acts too: named as such.
    expect(
      (
        await call(t.url, 'PATCH', `/v1/sites/${f.siteA.id}`, {
          token: key.body.api_key,
          body: { name: 'Via key' },
        })
      ).status,
    ).toBe(200);

    const all: {
      action: string;
      target: { id: string };
      details: Record<string, unknown>;
      actor: { type: string };
    }[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: typeof all; next_cursor: string | null } } = await call(
        t.url,
        'GET',
        `/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { token: admin },
      );
      all.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    const ids = new Set(all.map((e) => JSON.stringify(e)));
    expect(ids.size).toBe(all.length); // no entry twice across pages
    const recent = all.slice(0, 9).map((e) => [e.action, e.target.id, e.actor.type]);
    expect(recent).toEqual([
      ['site.update', f.siteA.id, 'api_key'],
      ['api_key.rotate', f.a.id, 'user'],
      ['agency.update', f.a.id, 'user'],
      ['site.delete', s.body.id, 'user'],
      ['site.update', s.body.id, 'user'],
      ['site.create', s.body.id, 'user'],
      ['user.delete', u.body.id, 'user'],
      ['user.role', u.body.id, 'user'],
      ['user.create', u.body.id, 'user'],
    ]);
    expect(all[7]!.details).toEqual({ changed: ['role'], role: 'user' });
    expect(JSON.stringify(all)).not.toContain('long-enough');
    expect(JSON.stringify(all)).not.toContain(key.body.api_key);
  });
});

describe('erasure runs in the API process', () => {
  /** An API of its own on the test's database, erasures run in it or not. */
  const apiOn = (inApi: boolean) => startTestApi({ db: t.db, env: { PRIVACY_ERASE_IN_API: String(inApi) } });

  it('an API started later resumes a request left unfinished; with PRIVACY_ERASE_IN_API=false it waits', async () => {
    await insertEvents([
      ev(f.siteA.scriptId, '2026-09-20T10:00:00Z', 'cid-resume', 'sr1'),
      ev(siteA2.scriptId, '2026-10-20T10:00:00Z', 'cid-resume', 'sr2'),
    ]);
    // As a crash leaves it: recorded, maybe started, not finished.
    const e = await createErasure(t.db.pool, f.a.id, { client_id: 'cid-resume' }, 'test', 0);
    const off = await apiOn(false);
    await new Promise((ok) => setTimeout(ok, 300));
    await off.close();
    expect((await getErasure(t.db.pool, e.id))!.state).toBe('pending');

    const on = await apiOn(true);
    try {
      let r = await getErasure(t.db.pool, e.id);
      for (let i = 0; i < 200 && r!.state !== 'done'; i++) {
        await new Promise((ok) => setTimeout(ok, 50));
        r = await getErasure(t.db.pool, e.id);
      }
      expect(r).toMatchObject({ state: 'done', subject: null });
      expect(Number(r!.counts.events)).toBe(2);
      const { rows } = await t.db.pool.query(
        `SELECT count(*)::int AS n FROM events WHERE client_id = 'cid-resume'`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await on.close();
    }
  });
});
