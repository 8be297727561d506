import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  createErasure,
  ensurePartitions,
  ERASURE_PHASES,
  getErasure,
  runErasure,
  type ErasureOptions,
} from '@beacon/db';
import { claimEventIds } from '@beacon/enricher';
import { createRedis, deleteDedupeMarkers, type Redis } from '@beacon/queue';
import { REDIS_URL, startNode, uniquePrefix, useTestDatabase } from '@beacon/testkit';
import { storeBatch } from '@beacon/writer';

// Erasure of one person with the real writer storing events (and rollups) for the same person while it
// runs, a crash (SIGKILL of `beacon privacy erase`) then `beacon privacy resume`, the Redis dedupe
// markers, and the CLI export against a reference. Real PostgreSQL and Redis.

const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const DAY = 86_400_000;
const db = useTestDatabase();
let redis: Redis;
const prefix = uniquePrefix('privacy');
const AGENCY = '00000000-0000-0000-0000-0000000000a1';
const OTHER_AGENCY = '00000000-0000-0000-0000-0000000000b1';
const SITES = ['priv_a1', 'priv_a2'];

type Row = Record<string, unknown>;
/** Every row this test stored, to know what must remain and what the rollups must still count. */
const stored: Row[] = [];

function row(site: string, at: Date, client: string, session: string, extra: Row = {}): Row {
  return {
    id: randomUUID(),
    site_id: site,
    event_id: randomUUID(),
    event_name: stored.length % 5 === 0 ? 'signup' : 'page_view',
    server_timestamp: at.toISOString(),
    client_id: client,
    session_id: session,
    page_path: `/p${stored.length % 4}`,
    page_url: `https://a.example/p${stored.length % 4}`,
    visitor_type: 'human',
    country: 'DE',
    time_on_page: 5,
    ip_address: '192.0.2.10',
    ...extra,
  };
}

async function store(rows: Row[]): Promise<void> {
  await storeBatch(db.pool, rows, []);
  stored.push(...rows);
}

const beacon = (args: string[], env: Record<string, string> = {}) =>
  startNode(BIN, args, { env: { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, ...env } });

/** Per site and UTC day, from the rollups: what the dashboards show. */
async function rollupTotals(): Promise<Record<string, unknown>> {
  const { rows } = await db.pool.query(
    `SELECT site_id || ' ' || to_char(date_trunc('day', hour, 'UTC'), 'YYYY-MM-DD') AS k,
            sum(events)::int AS events, sum(page_views)::int AS page_views,
            count(DISTINCT visitor_key)::int AS visitors, count(DISTINCT session_key)::int AS sessions
     FROM rollup_sessions WHERE site_id = ANY($1) GROUP BY 1`,
    [SITES],
  );
  const names = await db.pool.query(
    `SELECT site_id || ' ' || to_char(date_trunc('day', hour, 'UTC'), 'YYYY-MM-DD') AS k, sum(count)::int AS n
     FROM rollup_names WHERE site_id = ANY($1) GROUP BY 1`,
    [SITES],
  );
  const out: Record<string, unknown> = {};
  for (const r of rows)
    out[r.k] = { events: r.events, page_views: r.page_views, visitors: r.visitors, sessions: r.sessions };
  for (const r of names.rows) (out[r.k] as Record<string, unknown>).names = r.n;
  return out;
}

/** The same figures computed from every row ever stored (the person's included): what must not change. */
function expectedTotals(): Record<string, unknown> {
  const acc = new Map<string, { events: number; page_views: number; v: Set<string>; s: Set<string> }>();
  for (const r of stored) {
    if (!SITES.includes(r.site_id as string)) continue;
    const k = `${r.site_id} ${(r.server_timestamp as string).slice(0, 10)}`;
    const a = acc.get(k) ?? { events: 0, page_views: 0, v: new Set(), s: new Set() };
    a.events++;
    if (r.event_name === 'page_view') a.page_views++;
    a.v.add(r.client_id as string);
    a.s.add(r.session_id as string);
    acc.set(k, a);
  }
  const out: Record<string, unknown> = {};
  for (const [k, a] of acc)
    out[k] = {
      events: a.events,
      page_views: a.page_views,
      visitors: a.v.size,
      sessions: a.s.size,
      names: a.events,
    };
  return out;
}

/** What is left of a person (by client_ids / session ids) anywhere in agency A. */
async function leftOf(clients: string[]): Promise<Record<string, number>> {
  const { rows } = await db.pool.query(
    `WITH s AS (SELECT DISTINCT session_id FROM unnest($3::text[]) AS session_id)
     SELECT (SELECT count(*) FROM events WHERE site_id = ANY($1) AND client_id = ANY($2))::int AS events,
            (SELECT count(*) FROM sessions WHERE site_id = ANY($1) AND client_id = ANY($2))::int AS sessions,
            (SELECT count(*) FROM rollup_sessions WHERE site_id = ANY($1)
               AND (visitor_key IN (SELECT hashtextextended(c, 0) FROM unnest($2::text[]) c)
                    OR session_key IN (SELECT hashtextextended(session_id, 0) FROM s)))::int AS rollup_sessions,
            (SELECT count(*) FROM rollup_names WHERE site_id = ANY($1)
               AND (visitor_key IN (SELECT hashtextextended(c, 0) FROM unnest($2::text[]) c)
                    OR session_key IN (SELECT hashtextextended(session_id, 0) FROM s)))::int AS rollup_names`,
    [SITES, clients, stored.filter((r) => clients.includes(r.client_id as string)).map((r) => r.session_id)],
  );
  return rows[0];
}

const othersStored = () =>
  stored.filter((r) => SITES.includes(r.site_id as string) && String(r.client_id).startsWith('other'));
async function othersInDb(): Promise<number> {
  return (
    await db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE site_id = ANY($1) AND client_id LIKE 'other%'`,
      [SITES],
    )
  ).rows[0].n;
}

const erasureOptions = (o: Partial<ErasureOptions> = {}): ErasureOptions => ({
  batchSize: 5,
  sliceHours: 24 * 7,
  dedupeTtlSeconds: 86_400,
  deleteDedupeMarkers: (pairs) => deleteDedupeMarkers(redis, prefix, pairs),
  ...o,
});

beforeAll(async () => {
  redis = createRedis(REDIS_URL, 'producer');
  const now = new Date();
  await ensurePartitions(db.pool, { monthsAhead: 1, now: new Date(now.getTime() - 120 * DAY) });
  await ensurePartitions(db.pool, { monthsAhead: 1, now });
  await db.pool.query(
    `INSERT INTO agencies (id, name, email, api_key) VALUES ($1, 'Privacy A', 'a@privacy.test', 'x'), ($2, 'Privacy B', 'b@privacy.test', 'x');
     INSERT INTO sites (agency_id, name, domain, script_id) VALUES ($1, 'A1', 'a1.example', 'priv_a1'), ($1, 'A2', 'a2.example', 'priv_a2'),
       ($2, 'B1', 'b1.example', 'priv_b1')`
      .replace(/\$1/g, `'${AGENCY}'`)
      .replace(/\$2/g, `'${OTHER_AGENCY}'`),
  );
  // Four months of history: the person X (two browsers, one with an email), Y, Z and others, on both sites.
  const rows: Row[] = [];
  for (let d = 111; d >= 0; d -= 3) {
    const at = new Date(now.getTime() - d * DAY - 3_600_000);
    const site = SITES[d % 2]!;
    rows.push(row(site, at, 'cx', `sx${d}`), row(site, new Date(at.getTime() + 60_000), 'cx', `sx${d}`));
    if (d % 9 === 0) rows.push(row('priv_a2', at, 'cx-laptop', `sxl${d}`, { email_hash: 'hash-x' }));
    rows.push(row(site, at, `other${d % 5}`, `so${d}`), row(site, at, `other${(d + 1) % 5}`, `so${d}b`));
    for (let i = 0; i < 5; i++) rows.push(row(site, new Date(at.getTime() + i * 1000), 'cy', `sy${d}`));
    rows.push(row(site, at, 'cz', `sz${d}`, { user_id: 'user-z' }));
  }
  rows.push(row('priv_b1', new Date(now.getTime() - 5 * DAY), 'cx', 'sxb'));
  for (let i = 0; i < rows.length; i += 200) await store(rows.slice(i, i + 200));
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

it('erases X while the writer stores X and others meanwhile: nothing of X left, nobody else touched, rollup totals unchanged', async () => {
  // Dedupe markers as the enricher sets them, for X's and others' recent events.
  const recent = stored.filter((r) => Date.now() - Date.parse(r.server_timestamp as string) < 86_400_000);
  const claims = recent.map((r) => ({
    siteId: r.site_id as string,
    eventId: r.event_id as string,
    hitId: r.id as string,
  }));
  await claimEventIds(redis, prefix, 86_400, claims);
  const marker = (r: Row) => `${prefix}:dedupe:${r.site_id}:${r.event_id}`;
  expect(await redis.exists(...recent.map(marker))).toBe(recent.length);

  const before = await leftOf(['cx', 'cx-laptop']);
  expect(before.events).toBeGreaterThan(50);
  const erasure = await createErasure(
    db.pool,
    AGENCY,
    { client_id: 'cx', email_hash: 'hash-x' },
    'test',
    3600,
  );

  // Ingestion: X and others keep arriving (stamped now, or a few minutes ago: hits that waited in the
  // queue) until the erasure has passed its rollup phases; the erasure waits for the last batch to land.
  let stop = false;
  let ingested = 0;
  const ingestion = (async () => {
    for (let i = 0; !stop; i++) {
      const at = new Date(Date.now() - (i % 4) * 120_000);
      const site = SITES[i % 2]!;
      await store([
        row(site, at, 'cx', `sx-live${i % 3}`),
        row(site, at, `other-live${i % 4}`, `so-live${i}`),
        row(site, at, 'cx-laptop', `sxl-live`, { email_hash: 'hash-x' }),
      ]);
      ingested++;
      await new Promise((ok) => setTimeout(ok, 3));
    }
  })();
  const phases: string[] = [];
  const done = await runErasure(
    db.pool,
    erasure.id,
    erasureOptions({
      onBatch: async ({ phase }) => {
        if (phases[phases.length - 1] !== phase) phases.push(phase);
        if (phase === 'dedupe' && !stop) {
          stop = true;
          await ingestion;
        }
      },
    }),
  );
  expect(ingested).toBeGreaterThan(3);
  expect(done).toMatchObject({ state: 'done', subject: null, salt: null });
  // Rows stored while it ran were found by the settle step: at least a second pass.
  expect(done!.passes).toBeGreaterThanOrEqual(1);
  // Every phase up to the dedupe one, in the order erase.ts declares them, before any settle.
  expect(phases.slice(0, 6)).toEqual(ERASURE_PHASES.slice(0, ERASURE_PHASES.indexOf('dedupe') + 1));
  expect(phases.slice(0, 6)).toHaveLength(6);

  expect(await leftOf(['cx', 'cx-laptop'])).toEqual({
    events: 0,
    sessions: 0,
    rollup_sessions: 0,
    rollup_names: 0,
  });
  expect(Number(done!.counts.events)).toBe(
    stored.filter(
      (r) => SITES.includes(r.site_id as string) && ['cx', 'cx-laptop'].includes(r.client_id as string),
    ).length,
  );
  // Everyone else: every row still there, Y and Z too; X's row in agency B untouched.
  expect(await othersInDb()).toBe(othersStored().length);
  const { rows } = await db.pool.query(
    `SELECT (SELECT count(*) FROM events WHERE client_id IN ('cy', 'cz'))::int AS yz,
            (SELECT count(*) FROM events WHERE site_id = 'priv_b1' AND client_id = 'cx')::int AS b`,
  );
  expect(rows[0]).toEqual({
    yz: stored.filter((r) => ['cy', 'cz'].includes(r.client_id as string)).length,
    b: 1,
  });
  // Every period total and distinct count is what all stored rows give, X's included.
  expect(await rollupTotals()).toEqual(expectedTotals());
  // X's dedupe markers are gone, the others' stay.
  const xRecent = recent.filter((r) => r.client_id === 'cx' || r.client_id === 'cx-laptop');
  expect(xRecent.length).toBeGreaterThan(0);
  expect(await redis.exists(...xRecent.map(marker))).toBe(0);
  const theirs = recent.filter((r) => !xRecent.includes(r));
  expect(await redis.exists(...theirs.map(marker))).toBe(theirs.length);
  expect(Number(done!.counts.dedupe_markers)).toBe(xRecent.length);
}, 120_000);

it('an aborted run is resumable: the second run finishes it and counts each row once', async () => {
  const y = stored.filter((r) => r.client_id === 'cy').length;
  const e = await createErasure(db.pool, AGENCY, { client_id: 'cy' }, 'test', 0);
  let batches = 0;
  await expect(
    runErasure(
      db.pool,
      e.id,
      erasureOptions({
        onBatch: () => {
          if (++batches === 4) throw new Error('simulated crash');
        },
      }),
    ),
  ).rejects.toThrow('simulated crash');
  const mid = (await getErasure(db.pool, e.id))!;
  expect(mid).toMatchObject({ state: 'failed', phase: 'events', error: 'simulated crash' });
  // The four committed batches are counted, and only them.
  const erased = Number(mid.counts.events);
  expect(erased).toBeGreaterThan(0);
  expect(erased).toBeLessThanOrEqual(20);
  expect((await leftOf(['cy'])).events).toBe(y - erased);
  const done = await runErasure(db.pool, e.id, erasureOptions());
  expect(done).toMatchObject({ state: 'done', error: null });
  expect(Number(done!.counts.events)).toBe(y);
  expect(await leftOf(['cy'])).toEqual({ events: 0, sessions: 0, rollup_sessions: 0, rollup_names: 0 });
  expect(await rollupTotals()).toEqual(expectedTotals());
});

it('beacon privacy erase killed with SIGKILL mid-way, then beacon privacy resume, erases Z exactly', async () => {
  const z = stored.filter((r) => r.client_id === 'cz').length;
  const child = beacon([
    'privacy',
    'erase',
    '--agency',
    'a@privacy.test',
    '--user-id',
    'user-z',
    '--batch',
    '2',
    '--pause-ms',
    '100',
    '--no-redis',
  ]);
  let progress: { id: string; state: string; counts: Record<string, string> } | undefined;
  for (let i = 0; i < 300; i++) {
    await new Promise((ok) => setTimeout(ok, 50));
    progress = (
      await db.pool.query(`SELECT id, state, counts FROM privacy_erasures WHERE requested_by = 'cli'`)
    ).rows[0];
    if (progress && Number(progress.counts.events ?? 0) >= 6) break;
  }
  child.kill('SIGKILL');
  const killed = await child.done;
  expect(killed.signal).toBe('SIGKILL');
  const mid = (await getErasure(db.pool, progress!.id))!;
  expect(mid.state).toBe('running');
  const erased = Number(mid.counts.events);
  expect(erased).toBeGreaterThanOrEqual(6);
  expect(erased).toBeLessThan(z);
  expect((await leftOf(['cz'])).events).toBe(z - erased);

  const resumed = await beacon(['--json', 'privacy', 'resume', '--no-redis']).done;
  expect(resumed.code).toBe(0);
  const out = JSON.parse(resumed.stdout);
  expect(out).toHaveLength(1);
  expect(out[0]).toMatchObject({ id: mid.id, state: 'done' });
  expect(out[0].subject).toBeUndefined();
  expect(Number(out[0].counts.events)).toBe(z);
  expect(await leftOf(['cz'])).toEqual({ events: 0, sessions: 0, rollup_sessions: 0, rollup_names: 0 });
  expect(await rollupTotals()).toEqual(expectedTotals());

  const status = await beacon(['privacy', 'status', '--agency', AGENCY, '--id', mid.id]).done;
  expect(status.stdout).toMatch(new RegExp(`erasure ${mid.id}: done`));
  const audit = JSON.parse(
    (await beacon(['--json', 'audit', 'list', '--agency', AGENCY, '--action', 'privacy.']).done).stdout,
  );
  expect(audit[0]).toMatchObject({
    action: 'privacy.erase',
    actor_type: 'cli',
    target_id: mid.id,
    details: { identifiers: ['user_id'] },
  });
  expect(audit[0].actor_email).toMatch(/^cli/);
  expect(JSON.stringify(audit)).not.toContain('user-z');
}, 60_000);

it('beacon privacy find and export (JSON, CSV) match a direct query; bad arguments exit 1', async () => {
  const p = await db.pool.query(
    `SELECT * FROM events WHERE site_id = ANY($1) AND client_id LIKE 'other1' ORDER BY server_timestamp, id`,
    [SITES],
  );
  const sessions = await db.pool.query(
    `SELECT * FROM sessions WHERE site_id = ANY($1) AND session_id = ANY($2) ORDER BY started_at, session_id`,
    [SITES, [...new Set(p.rows.map((r) => r.session_id))]],
  );
  const find = await beacon(['--json', 'privacy', 'find', '--agency', AGENCY, '--client-id', 'other1']).done;
  expect(JSON.parse(find.stdout)).toMatchObject({ events: p.rows.length, sessions: sessions.rows.length });

  const exp = await beacon(['privacy', 'export', '--agency', AGENCY, '--client-id', 'other1']).done;
  expect(exp.code).toBe(0);
  const doc = JSON.parse(exp.stdout);
  expect(doc.events).toEqual(JSON.parse(JSON.stringify(p.rows)));
  expect(doc.sessions).toEqual(JSON.parse(JSON.stringify(sessions.rows)));
  expect(doc.dead_events).toEqual([]);

  const csv = await beacon([
    'privacy',
    'export',
    '--agency',
    AGENCY,
    '--client-id',
    'other1',
    '--format',
    'csv',
  ]).done;
  const lines = csv.stdout.trimEnd().split('\r\n');
  expect(lines[0]!.split(',')).toEqual(p.fields.map((x) => x.name));
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(p.rows.map((r) => r.id));

  for (const args of [
    ['privacy', 'find', '--agency', AGENCY],
    ['privacy', 'find', '--agency', AGENCY, '--ip', '999.1.1.1'],
    ['privacy', 'erase', '--agency', 'nobody@x.test', '--client-id', 'x'],
    ['privacy', 'export', '--agency', AGENCY, '--client-id', 'x', '--format', 'xml'],
  ]) {
    const r = await beacon(args).done;
    expect({ args, code: r.code, lines: r.stderr.trim().split('\n').length }).toEqual({
      args,
      code: 1,
      lines: 1,
    });
  }
}, 60_000);
