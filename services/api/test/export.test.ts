import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { createRegistry, type Registry } from '@beacon/observability';
import * as q from '../src/queries/index.js';
import { call, login, seedAgency, seedSite, seedUser, startTestApi, type TestApi } from './helpers.js';

// CSV exports over real HTTP and PostgreSQL: cells parsed back with csv-parse (formulas neutralised,
// numbers kept), personal columns by role, and the bounds on what an export may hold: a client that
// reads slowly (a raw socket, 1 KB/s) or steadily for too long is cut and its connection released
// (pg_stat_activity), PostgreSQL's idle_in_transaction_session_timeout as the backstop, and the
// per-agency cap (429 + Retry-After).

const STALL_MS = 1500;
const MAX_DURATION_S = 60;
const R = 'from=2026-01-01&to=2026-01-31';
const registry = createRegistry('api', { defaultMetrics: false });

let t: TestApi;
const tok = { admin: '', user: '', viewer: '', foreign: '' };
let apiKey = '';
let small = ''; // site with the tricky cells
let big = ''; // site with ~30 MB of events
let foreignSite = '';

beforeAll(async () => {
  t = await startTestApi({
    env: {
      API_EXPORT_STALL_TIMEOUT_MS: String(STALL_MS),
      API_EXPORT_MAX_DURATION_S: String(MAX_DURATION_S),
      API_EXPORT_MAX_PER_AGENCY: '2',
      API_EXPORT_MAX_CONCURRENT: '10',
      API_EXPORT_RETRY_AFTER_S: '7',
    },
    overrides: { registry },
  });
  const a = await seedAgency(t.db.pool, 'Agency A');
  const b = await seedAgency(t.db.pool, 'Agency B');
  apiKey = a.apiKey;
  for (const role of ['admin', 'user', 'viewer'] as const) {
    const u = await seedUser(t.db.pool, a.id, role);
    tok[role] = await login(t.url, u.email, u.password);
  }
  const fb = await seedUser(t.db.pool, b.id, 'viewer');
  tok.foreign = await login(t.url, fb.email, fb.password);
  small = (await seedSite(t.db.pool, a.id, { scriptId: 'exp_small' })).scriptId;
  big = (await seedSite(t.db.pool, a.id, { scriptId: 'exp_big' })).scriptId;
  foreignSite = (await seedSite(t.db.pool, b.id, { scriptId: 'exp_foreign' })).scriptId;
  await t.db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, page_url,
                         page_title, utm_term, latitude, longitude, session_number, ip_address, user_agent,
                         email_hash, phone_hash, properties, is_bounce, city)
     VALUES
       (gen_random_uuid(), $1, 'page_view', '2026-01-12T10:00:00Z', 'c1', 's1', '/a', 'https://s.example/a',
        'ok;=1+2;@SUM(1)', '-5', 40.7128, -74.006, 1, '203.0.113.9', 'Mozilla/5.0 (X11; Linux x86_64)',
        repeat('e', 64), repeat('f', 64), '{"note": "x;=2+3", "n": -1}', true, '=cmd|''/C calc''!A0'),
       (gen_random_uuid(), $1, 'page_view', '2026-01-12T10:01:00Z', 'c1', 's1', '/b', 'https://s.example/b',
        E'\\t=1+1', '+3', -33.8688, 151.2093, 1, '203.0.113.9', 'UA, "quoted"', NULL, NULL,
        '{}', false, 'Sydney'),
       (gen_random_uuid(), $1, 'page_view', '2026-01-12T10:02:00Z', 'c2', 's2', '/c', 'https://s.example/c',
        'Plain, title - with a dash', 'a, -b', NULL, NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'Paris')`,
    [small],
  );
  await t.db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, page_url)
     SELECT gen_random_uuid(), $1, 'page_view', '2026-01-12T12:00:00Z'::timestamptz + g * interval '1 second',
            'c' || (g % 500), 's' || (g % 2000), '/p/' || g, 'https://big.example/' || repeat('x', 400) || g
     FROM generate_series(1, 60000) g`,
    [big],
  );
  await t.db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp, page_url) VALUES
       (gen_random_uuid(), $1, 'page_view', '2026-01-12T10:00:00Z', 'https://b.example/')`,
    [foreignSite],
  );
}, 60_000);
const readers = new Set<{ close(): void }>();
afterAll(async () => {
  for (const r of readers) r.close();
  await t.close();
});

const exportUrl = (site: string, what: string, extra = '') => `/v1/sites/${site}/export/${what}?${R}${extra}`;

async function csvOf(path: string, token: string) {
  const r = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text };
}

/** Rows of a CSV as objects by header name. */
const records = (text: string) =>
  parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];

/** Sessions of this API's pool that hold a transaction open right now. */
async function apiInTransaction(): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = $1 AND application_name = 'beacon-api' AND xact_start IS NOT NULL`,
    [t.db.name],
  );
  return rows[0]!.n;
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(50);
  }
  return Date.now() - start;
}

async function outcomes(reg: Registry = registry): Promise<Record<string, number>> {
  const m = await reg.getSingleMetric('beacon_api_exports_total')!.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.outcome), v.value]));
}

/**
 * A raw HTTP client that reads `bytes` every `everyMs` (a slow download: TCP backpressure reaches the
 * API once the socket buffers are full).
 */
function slowReader(path: string, token: string, bytes: number, everyMs: number, base = t.url) {
  const port = Number(new URL(base).port);
  const sock = net.connect(port, '127.0.0.1');
  sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  sock.pause();
  let head = '';
  let received = 0;
  let tail = Buffer.alloc(0);
  let ended = false;
  sock.on('end', () => (ended = true));
  sock.on('error', () => (ended = true));
  const take = (n: number) => {
    const chunk = sock.read(Math.min(n, sock.readableLength)) as Buffer | null;
    if (!chunk) return;
    received += chunk.length;
    if (head.length < 2048) head += chunk.toString('latin1');
    tail = Buffer.concat([tail, chunk]).subarray(-16);
  };
  let timer = setInterval(() => take(bytes), everyMs);
  const reader = {
    get head() {
      return head;
    },
    get received() {
      return received;
    },
    get ended() {
      return ended;
    },
    /** Reads everything that is left, fast; resolves with the last bytes received. */
    async drain(): Promise<string> {
      clearInterval(timer);
      timer = setInterval(() => take(1 << 20), 1);
      await until(async () => ended, 30_000);
      clearInterval(timer);
      sock.destroy();
      return tail.toString('latin1');
    },
    close() {
      clearInterval(timer);
      sock.destroy();
    },
  };
  readers.add(reader);
  return reader;
}

describe('CSV cells', () => {
  test('formulas are neutralised after every separator; numbers stay numbers; parsed back cell by cell', async () => {
    const r = await csvOf(
      exportUrl(
        small,
        'events',
        '&columns=page_title,utm_term,latitude,longitude,session_number,properties,is_bounce,city,user_agent',
      ),
      tok.admin,
    );
    expect(r.status).toBe(200);
    const rows = records(r.text);
    expect(rows).toHaveLength(3);
    const [first, second, third] = rows as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
    ];
    expect(first.page_title).toBe("ok;'=1+2;'@SUM(1)");
    expect(first.longitude).toBe('-74.0060000');
    expect(first.latitude).toBe('40.7128000');
    expect(first.utm_term).toBe('-5'); // a plain number in a text column is not a formula
    expect(first.session_number).toBe('1');
    expect(first.is_bounce).toBe('true');
    expect(first.city).toBe("'=cmd|'/C calc'!A0");
    expect(JSON.parse(first.properties!.replace(";'=", ';='))).toEqual({ note: 'x;=2+3', n: -1 });
    expect(first.properties).toContain(";'=2+3");
    expect(first.user_agent).toBe('Mozilla/5.0 (X11; Linux x86_64)');
    expect(second.page_title).toBe("'\t'=1+1");
    expect(second.utm_term).toBe("'+3");
    expect(second.longitude).toBe('151.2093000');
    expect(second.latitude).toBe('-33.8688000');
    expect(second.user_agent).toBe('UA, "quoted"');
    expect(third.page_title).toBe('Plain, title - with a dash');
    expect(third.utm_term).toBe("a, '-b");
    expect(third.latitude).toBe('');

    // Numbers are unquoted fields of the raw text (a spreadsheet reads them as numbers).
    expect(r.text).toMatch(/,-74\.0060000,/);
    expect(r.text).not.toContain("'-74");
    // A spreadsheet in a semicolon (or tab, or pipe) locale splits the same line differently: no piece
    // of any split may start a formula unless it is a plain number.
    for (const line of r.text.split('\r\n').slice(1)) {
      for (const piece of line.split(/[;\t|,]/)) {
        const s = piece.replace(/^[\s"']+/, (m) => (m.includes("'") ? "'" : ''));
        if (/^-?\d+(\.\d+)?$/.test(s)) continue;
        expect(s).not.toMatch(/^[=+\-@]/);
      }
    }
    // ; and tab are quoting triggers as well as , " and line breaks.
    expect(r.text).toContain(`"ok;'=1+2;'@SUM(1)"`);
  });

  test('a breakdown exports its counts as numbers', async () => {
    const r = await csvOf(exportUrl(small, 'cities'), tok.viewer);
    expect(r.status).toBe(200);
    const rows = records(r.text);
    expect(rows.find((x) => x.value === 'Paris')).toMatchObject({ visitors: '1', page_views: '1' });
    expect(rows.find((x) => x.value?.startsWith("'=cmd"))).toBeDefined();
    expect(r.text).toMatch(/\r\nParis,1,1,1,1\r\n/);
  });
});

describe('personal columns need the admin role', () => {
  const PERSONAL = ['ip_address', 'user_agent', 'user_id', 'email_hash', 'phone_hash', 'lead_data'];
  test('admins and API keys get every column; users and viewers get them left out, and named', async () => {
    for (const token of [tok.admin, apiKey]) {
      const r = await csvOf(exportUrl(small, 'events'), token);
      expect(r.status).toBe(200);
      const header = r.text.split('\r\n')[0]!.split(',');
      for (const c of PERSONAL) expect(header).toContain(c);
      expect(records(r.text)[0]!.ip_address).toBe('203.0.113.9');
      expect(r.headers.get('x-beacon-omitted-columns')).toBeNull();
    }
    for (const token of [tok.user, tok.viewer]) {
      const r = await csvOf(exportUrl(small, 'events'), token);
      expect(r.status).toBe(200);
      const header = r.text.split('\r\n')[0]!.split(',');
      for (const c of PERSONAL) expect(header).not.toContain(c);
      expect(header).toEqual(expect.arrayContaining(['id', 'page_url', 'longitude', 'client_id']));
      expect(r.text).not.toContain('203.0.113.9');
      expect(r.text).not.toContain('eeeeeeee');
      expect(r.headers.get('x-beacon-omitted-columns')?.split(',')).toEqual(expect.arrayContaining(PERSONAL));
    }
  });

  test('asking for a personal column without the admin role is a 403; other columns are fine', async () => {
    for (const token of [tok.user, tok.viewer]) {
      const r = await call(t.url, 'GET', exportUrl(small, 'events', '&columns=page_path,ip_address'), {
        token,
      });
      expect([r.status, r.body.error]).toEqual([403, 'forbidden']);
      expect(r.body.message).toContain('ip_address');
      const ok = await csvOf(exportUrl(small, 'events', '&columns=page_path,longitude'), token);
      expect(ok.status).toBe(200);
      expect(ok.text.split('\r\n')[0]).toBe('page_path,longitude');
    }
  });

  test('bad column lists are a 400; a foreign site is a 404 whatever the columns', async () => {
    for (const extra of ['&columns=passwords', '&columns=', '&columns=page_path;DROP']) {
      const r = await call(t.url, 'GET', exportUrl(small, 'events', extra), { token: tok.admin });
      expect(r.status).toBe(400);
    }
    const breakdown = await call(t.url, 'GET', exportUrl(small, 'cities', '&columns=page_path'), {
      token: tok.admin,
    });
    expect(breakdown.status).toBe(400);
    const foreign = await call(t.url, 'GET', exportUrl(foreignSite, 'events', '&columns=ip_address'), {
      token: tok.viewer,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('an export cannot hold a connection for a slow client', () => {
  test('a client reading 1 KB/s is cut after the stall timeout; its transaction ends while it still reads', async () => {
    const before = await outcomes();
    const reader = slowReader(exportUrl(big, 'events'), tok.viewer, 1024, 1000);
    await until(async () => (await apiInTransaction()) === 1, 10_000);
    const openedAt = Date.now();
    await until(async () => reader.head.startsWith('HTTP/1.1 200'), 10_000);
    // Released within the stall timeout plus a margin, although the client never stopped reading.
    await until(async () => (await apiInTransaction()) === 0, STALL_MS + 8_000);
    const heldMs = Date.now() - openedAt;
    expect(reader.ended).toBe(false);
    expect(reader.received).toBeLessThan(64 * 1024);
    await until(async () => ((await outcomes()).stalled ?? 0) === (before.stalled ?? 0) + 1, 2_000);
    // The download is visibly cut: the chunked body never gets its terminating chunk.
    const tail = await reader.drain();
    expect(tail.endsWith('0\r\n\r\n')).toBe(false);
    expect(heldMs).toBeLessThan(STALL_MS + 8_000);
    // The pool serves others meanwhile and after.
    expect(
      (await call(t.url, 'GET', `/v1/sites/${small}/stats/overview?${R}`, { token: tok.viewer })).status,
    ).toBe(200);
  }, 60_000);

  test('a client that keeps reading steadily is cut at API_EXPORT_MAX_DURATION_S', async () => {
    // An API of its own: a long stall timeout, a short deadline (same database).
    const reg = createRegistry('api', { defaultMetrics: false });
    const own = await startTestApi({
      db: t.db,
      env: { API_EXPORT_STALL_TIMEOUT_MS: '60000', API_EXPORT_MAX_DURATION_S: '3' },
      overrides: { registry: reg },
    });
    try {
      const started = Date.now();
      // ~320 KB/s: it never stops reading, but 30 MB would take over a minute.
      const reader = slowReader(exportUrl(big, 'events'), apiKey, 32 * 1024, 100, own.url);
      await until(async () => (await apiInTransaction()) === 1, 10_000);
      await until(async () => (await apiInTransaction()) === 0, 3_000 + 8_000);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(3_000 - 100);
      await until(async () => (await outcomes(reg)).deadline === 1, 2_000);
      expect(reader.received).toBeGreaterThan(100 * 1024);
      const tail = await reader.drain();
      expect(tail.endsWith('0\r\n\r\n')).toBe(false);
    } finally {
      await own.close();
    }
  }, 60_000);

  test('PostgreSQL ends an export session left idle in its transaction (idle_in_transaction_session_timeout)', async () => {
    const st = q.exportStatement(
      { scriptId: big, config: {} },
      'events',
      q.exportQuery.parse({ from: '2026-01-01', to: '2026-01-31' }),
      'viewer',
    );
    const chunks = q.csvChunks(t.api.deps.pool, st, { batch: 10, idleInTransactionMs: 300 });
    try {
      const header = await chunks.next();
      expect(String(header.value)).toMatch(/^id,site_id,/);
      expect(String((await chunks.next()).value).split('\r\n')).toHaveLength(11); // the first batch
      expect(await apiInTransaction()).toBe(1);
      // The API "hangs" here (never fetches again): PostgreSQL ends the session on its own.
      await until(async () => (await apiInTransaction()) === 0, 5_000);
      await expect(chunks.next()).rejects.toThrow();
    } finally {
      await chunks.return(undefined);
    }
    // The broken client was discarded, not handed to the next request.
    expect(
      (await call(t.url, 'GET', `/v1/sites/${small}/stats/overview?${R}`, { token: tok.viewer })).status,
    ).toBe(200);
  }, 30_000);
});

test('exports are capped per agency: 429 with Retry-After beyond the cap; other agencies unaffected', async () => {
  const before = await outcomes();
  // Two exports that do not read: they hold their slots until the stall timeout cuts them.
  const holders = [
    slowReader(exportUrl(big, 'events'), tok.viewer, 0, 1000),
    slowReader(exportUrl(big, 'events'), tok.admin, 0, 1000),
  ];
  await until(async () => (await apiInTransaction()) === 2, 10_000);
  const third = await call(t.url, 'GET', exportUrl(small, 'cities'), { token: tok.user });
  expect(third.status).toBe(429);
  expect(third.headers.get('retry-after')).toBe('7');
  expect(third.body).toMatchObject({ error: 'rate_limited' });
  const other = await csvOf(exportUrl(foreignSite, 'events'), tok.foreign);
  expect(other.status).toBe(200);
  expect(records(other.text)).toHaveLength(1);
  // Non-export routes of the capped agency still answer.
  expect(
    (await call(t.url, 'GET', `/v1/sites/${small}/stats/overview?${R}`, { token: tok.user })).status,
  ).toBe(200);
  // Once the holders are cut, the agency exports again.
  await until(async () => (await apiInTransaction()) === 0, STALL_MS + 8_000);
  const again = await csvOf(exportUrl(small, 'cities'), tok.user);
  expect(again.status).toBe(200);
  expect((await outcomes()).refused ?? 0).toBe((before.refused ?? 0) + 1);
  for (const h of holders) h.close();
}, 60_000);
