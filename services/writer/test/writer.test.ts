import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REDIS_URL } from '@beacon/testkit';
import { uniquePrefix } from '@beacon/testkit';
import { startWriter, type WriterHandle } from '../src/index.js';
import type { BatchCommitted } from '../src/observer.js';
import { job, makeRow, useQueueWorld, waitFor, writerConfig } from './helpers.js';

// Real PostgreSQL (a throwaway database per file) and real Redis (a unique BullMQ prefix); the writer runs
// in this process, the way `beacon serve writer` runs it.
const w = useQueueWorld('writer', ['site_a', 'site_b']);
let writer: WriterHandle;
const batches: BatchCommitted[] = [];

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await w.db.pool.query(sql, params);
  return Number(Object.values(rows[0])[0]);
}

const CLI = fileURLToPath(new URL('../../../services/cli/dist/main.js', import.meta.url));
/** The real `beacon` CLI as its own process, with --json output parsed. */
async function beacon(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, '--json', ...args], {
    env: { ...process.env, DATABASE_URL: w.db.url, REDIS_URL, QUEUE_PREFIX: w.prefix },
  });
  return JSON.parse(stdout);
}

async function drained(): Promise<void> {
  await waitFor('the events queue to drain', async () => {
    const c = await w.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).every((n) => n === 0);
  });
}

beforeAll(async () => {
  writer = await w.startWriter({ metricsPort: 0, observer: { batchCommitted: (b) => batches.push(b) } });
});

describe('writer', () => {
  it('stores awkward values byte for byte', async () => {
    const big = `${'長い文章 with ascii and \\ backslashes\t'.repeat(3000)}end`; // > 100 KB
    expect(Buffer.byteLength(big)).toBeGreaterThan(100_000);
    const awkward: Record<string, unknown> = {
      page_title: 'tab\there, newline\nthere, cr\r, backslash \\ and \\N and "quotes" \'single\'',
      page_url: big,
      referrer: 'https://ex.example/?q=\\t\\n literal escapes',
      user_agent: 'emoji 😀👍🏽 🇩🇪 family 👨‍👩‍👧 CJK 中文 日本語 한국어',
      utm_campaign: 'RTL עברית العربية ‏mark‎',
      city: 'Zürich ÅÄÖ',
      properties: {
        json: '{"escaped":"\\u00e9\\u4e2d\\ud83d\\ude00"}',
        unicode: 'é中😀',
        nested: { tab: 'a\tb', nl: 'a\nb', bs: 'a\\b', quote: 'a"b' },
        big: big.slice(0, 50_000),
        list: [1, 2.5, true, null, 'x'],
      },
      ecommerce_data: 'a JSON string value \\ with "quotes"',
      lead_data: [{ k: 'ü' }],
    };
    const row = makeRow({ session_id: 'awkward-1', ...awkward });
    await w.queue.add('e', job([row]));
    await drained();
    const { rows } = await w.db.pool.query(
      'SELECT page_title, page_url, referrer, user_agent, utm_campaign, city, properties, ecommerce_data, lead_data FROM events WHERE id = $1',
      [row.id],
    );
    expect(rows).toHaveLength(1);
    for (const [k, v] of Object.entries(awkward)) expect([k, rows[0][k]]).toEqual([k, v]);
    // Byte for byte, not only equal after decoding: compare the stored bytes.
    const { rows: bytes } = await w.db.pool.query<{ b: Buffer }>(
      "SELECT convert_to(page_title, 'UTF8') AS b FROM events WHERE id = $1",
      [row.id],
    );
    expect(bytes[0]!.b.equals(Buffer.from(awkward.page_title as string, 'utf8'))).toBe(true);
  });

  it('inserts a re-delivered job once and does not count its session twice', async () => {
    const t0 = Date.parse('2026-11-20T10:00:00Z');
    const rows = [0, 1, 2].map((i) =>
      makeRow({
        session_id: 'redeliver-1',
        server_timestamp: new Date(t0 + i * 1000).toISOString(),
        page_url: `https://a.example/p${i}`,
      }),
    );
    await w.queue.add('e', job(rows));
    await drained();
    await w.queue.add('e', job(rows)); // same rows, another job: what a retried enricher job looks like
    await w.queue.add(
      'e',
      job([
        ...rows,
        makeRow({
          session_id: 'redeliver-1',
          server_timestamp: new Date(t0 + 5000).toISOString(),
          event_name: 'click',
        }),
      ]),
    );
    await drained();
    expect(await count("SELECT count(*) FROM events WHERE session_id = 'redeliver-1'")).toBe(4);
    const { rows: s } = await w.db.pool.query("SELECT * FROM sessions WHERE session_id = 'redeliver-1'");
    expect(s[0]).toMatchObject({
      page_views: 3,
      events_count: 4,
      engagement_time: 20,
      is_bounce: false,
      entry_page: 'https://a.example/p0',
      exit_page: 'https://a.example/p2',
      site_id: 'site_a',
      country: 'DE',
      device_type: 'desktop',
    });
    expect(s[0].started_at.toISOString()).toBe(new Date(t0).toISOString());
    expect(s[0].ended_at.toISOString()).toBe(new Date(t0 + 5000).toISOString());
  });

  it('merges a session spread over batches, out of order', async () => {
    const t0 = Date.parse('2026-11-20T11:00:00Z');
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await w.queue.add(
      'e',
      job([
        makeRow({
          session_id: 'merge-1',
          server_timestamp: at(10),
          page_url: 'https://a.example/middle',
          utm_source: null,
        }),
      ]),
    );
    await drained();
    await w.queue.add(
      'e',
      job([makeRow({ session_id: 'merge-1', server_timestamp: at(20), page_url: 'https://a.example/last' })]),
    );
    await drained();
    // Late arrival of the session's first hit (e.g. a retried client batch).
    await w.queue.add(
      'e',
      job([
        makeRow({
          session_id: 'merge-1',
          server_timestamp: at(0),
          page_url: 'https://a.example/first',
          utm_source: 'news',
        }),
      ]),
    );
    await drained();
    const { rows: s } = await w.db.pool.query("SELECT * FROM sessions WHERE session_id = 'merge-1'");
    expect(s[0]).toMatchObject({
      page_views: 3,
      events_count: 3,
      entry_page: 'https://a.example/first',
      exit_page: 'https://a.example/last',
      utm_source: 'news',
    });
    expect(s[0].started_at.toISOString()).toBe(at(0));
  });

  it('aggregates sessions the same in SQL when a timestamp is not ISO 8601 (fallback path)', async () => {
    const make = (sid: string, fmt: (s: number) => string) => [
      makeRow({
        session_id: sid,
        server_timestamp: fmt(30),
        page_url: 'https://a.example/b',
        event_name: 'page_view',
        utm_source: null,
      }),
      makeRow({
        session_id: sid,
        server_timestamp: fmt(10),
        page_url: 'https://a.example/a',
        event_name: 'page_view',
        utm_source: 'mail',
      }),
      makeRow({
        session_id: sid,
        server_timestamp: fmt(20),
        event_name: 'click',
        time_on_page: 40,
        country: 'FR',
      }),
    ];
    await w.queue.add('e', job(make('fmt-iso', (s) => `2026-11-20T12:00:${s}.000Z`)));
    await drained(); // separate batches: one aggregated by the writer, one by SQL
    await w.queue.add('e', job(make('fmt-pg', (s) => `2026-11-20 12:00:${s}+00`)));
    await drained();
    const { rows } = await w.db.pool.query(
      `SELECT session_id, started_at, ended_at, page_views, events_count, engagement_time, is_bounce, entry_page, exit_page,
              utm_source, country, device_type, client_id FROM sessions WHERE session_id IN ('fmt-iso', 'fmt-pg') ORDER BY session_id`,
    );
    expect(rows).toHaveLength(2);
    const { session_id: _a, ...iso } = rows[0];
    const { session_id: _b, ...pgfmt } = rows[1];
    expect(pgfmt).toEqual(iso);
    expect(iso).toMatchObject({
      page_views: 2,
      events_count: 3,
      engagement_time: 50,
      entry_page: 'https://a.example/a',
      exit_page: 'https://a.example/b',
      utm_source: 'mail',
      country: 'DE',
    });
  });

  it("never touches another site's session: the event is stored, the conflict counted", async () => {
    await w.queue.add('e', job([makeRow({ session_id: 'shared-1', site_id: 'site_a' })]));
    await drained();
    const before = (await w.db.pool.query("SELECT * FROM sessions WHERE session_id = 'shared-1'")).rows[0];
    await w.queue.add(
      'e',
      job([
        makeRow({ session_id: 'shared-1', site_id: 'site_b', page_url: 'https://b.example/' }),
        makeRow({ session_id: 'shared-1', site_id: 'site_b', event_name: 'click' }),
      ]),
    );
    await drained();
    expect(
      await count("SELECT count(*) FROM events WHERE session_id = 'shared-1' AND site_id = 'site_b'"),
    ).toBe(2);
    const after = (await w.db.pool.query("SELECT * FROM sessions WHERE session_id = 'shared-1'")).rows;
    expect(after).toEqual([before]);
    const metrics = await writer.registry.getSingleMetricAsString('beacon_writer_session_conflicts_total');
    expect(metrics).toMatch(/beacon_writer_session_conflicts_total\{[^}]*\} 2$/m);
  });

  it('upserts companies by domain without blanking known values', async () => {
    await w.queue.add(
      'e',
      job(
        [makeRow()],
        [
          {
            domain: 'acme.example',
            name: 'Acme',
            industry: 'Manufacturing',
            employee_count: '1000-4999',
            revenue: null,
            enrichment_data: { a: 1 },
          },
        ],
      ),
    );
    await drained();
    await w.queue.add(
      'e',
      job(
        [makeRow()],
        [
          {
            domain: 'acme.example',
            name: 'Acme Corp',
            industry: null,
            employee_count: null,
            revenue: '$1B+',
            enrichment_data: { b: 2 },
          },
        ],
      ),
    );
    await drained();
    const { rows } = await w.db.pool.query(
      "SELECT name, industry, employee_count, revenue, enrichment_data FROM companies WHERE domain = 'acme.example'",
    );
    expect(rows).toEqual([
      {
        name: 'Acme Corp',
        industry: 'Manufacturing',
        employee_count: '1000-4999',
        revenue: '$1B+',
        enrichment_data: { a: 1, b: 2 },
      },
    ]);
    // Rows naming a company without a companies list (an older enricher, a replay) still add it: domain
    // and name only (the other columns may hold an agency's completed facts), and never from a row of
    // an agency's own ranges.
    await w.queue.add(
      'e',
      job([
        makeRow({
          company_domain: 'globex.example',
          company_name: 'Globex',
          company_industry: 'Software',
          company_source: 'maxmind',
        }),
        makeRow({
          company_domain: 'initech.example',
          company_name: 'Initech (agency CSV)',
          company_revenue: '$5M',
          company_source: 'agency_ranges',
        }),
      ]),
    );
    await drained();
    expect(
      await w.db.pool.query("SELECT name, industry FROM companies WHERE domain = 'globex.example'"),
    ).toMatchObject({ rows: [{ name: 'Globex', industry: null }] });
    expect(await count("SELECT count(*) FROM companies WHERE domain = 'initech.example'")).toBe(0);
    // A job of an enricher from before migration 0060 (rolling upgrade): its list names an agency's
    // range facts without an owner; the writer goes by the rows instead.
    await w.queue.add(
      'e',
      job(
        [
          makeRow({
            company_domain: 'hooli.example',
            company_name: 'Hooli',
            company_source: 'agency_ranges',
          }),
        ],
        [{ domain: 'hooli.example', name: 'Hooli', industry: 'Secret', employee_count: null, revenue: '$1' }],
      ),
    );
    await drained();
    expect(await count("SELECT count(*) FROM companies WHERE domain = 'hooli.example'")).toBe(0);
  });

  it("stores an agency's own facts in agency_companies only, filling gaps (issue #13)", async () => {
    const agency = (await w.db.pool.query("SELECT agency_id FROM sites WHERE script_id = 'site_a'")).rows[0]
      .agency_id as string;
    const gone = '00000000-0000-4000-8000-00000000dead'; // an agency deleted meanwhile: skipped
    const owned = (name: string, industry: string | null, revenue: string | null, agencyId = agency) => ({
      domain: 'Secret.Example',
      agency_id: agencyId,
      name,
      industry,
      employee_count: null,
      revenue,
    });
    await w.queue.add(
      'e',
      job(
        [makeRow()],
        [
          owned('Secret Co', 'Defense', null),
          owned('Lost Co', 'Lost', '$1', gone),
          { domain: 'neutral.example', name: 'Neutral', industry: null, employee_count: null, revenue: null },
        ],
      ),
    );
    await drained();
    // A later hit (e.g. enriched before a new import was loaded) fills gaps, never overwrites.
    await w.queue.add('e', job([makeRow()], [owned('Other Name', 'Retail', '$9.9B')]));
    await drained();
    const { rows } = await w.db.pool.query(
      'SELECT agency_id, domain, name, industry, revenue, origin FROM agency_companies ORDER BY domain',
    );
    expect(rows).toEqual([
      {
        agency_id: agency,
        domain: 'secret.example',
        name: 'Secret Co',
        industry: 'Defense',
        revenue: '$9.9B',
        origin: 'enrichment',
      },
    ]);
    expect(await count("SELECT count(*) FROM companies WHERE domain = 'secret.example'")).toBe(0);
    expect(await count("SELECT count(*) FROM companies WHERE domain = 'neutral.example'")).toBe(1);
  });

  it('dead-letters poison rows and stores the rest of their batch', async () => {
    const good = Array.from({ length: 40 }, (_, i) => makeRow({ session_id: `poison-s${i % 7}` }));
    const bad = [
      makeRow({ session_id: 'poison-bad', country: 'DEU' }), // 22001 value too long
      makeRow({ session_id: 'poison-bad', time_on_page: 'abc' }), // 22P02 invalid integer
      makeRow({ session_id: 'poison-bad', site_id: null }), // 23502 not null
      makeRow({ session_id: 'poison-bad', page_title: 'nul \u0000 inside' }), // 22021 / 22P05
    ];
    const mixed = [
      ...good.slice(0, 13),
      bad[0]!,
      ...good.slice(13, 27),
      bad[1]!,
      bad[2]!,
      ...good.slice(27),
      bad[3]!,
    ];
    const health = () =>
      count(
        `SELECT COALESCE(sum(count), 0) FROM ingestion_health
         WHERE site_id = 'site_a' AND outcome = 'dead_lettered' AND reason = 'writer'`,
      );
    const healthBefore = await health();
    await w.queue.add('e', job(mixed));
    await drained();
    expect(await count("SELECT count(*) FROM events WHERE session_id LIKE 'poison-s%'")).toBe(40);
    // Each poison row of site_a once in its ingestion health (the one without site_id has no site).
    expect(await health()).toBe(healthBefore + 3);
    expect(await count("SELECT count(*) FROM events WHERE session_id = 'poison-bad'")).toBe(0);
    const { rows: dead } = await w.db.pool.query(
      'SELECT id, stage, sqlstate, error, count, payload FROM dead_events ORDER BY sqlstate',
    );
    expect(dead.map((d) => d.id).sort()).toEqual(bad.map((b) => b.id).sort());
    expect(dead.every((d) => d.stage === 'writer' && d.count === 1 && d.error.length > 0)).toBe(true);
    expect(dead.map((d) => d.sqlstate).sort()).toEqual(expect.arrayContaining(['22001', '22P02', '23502']));
    expect(dead.find((d) => d.id === bad[0]!.id).payload.country).toBe('DEU');
    // Sessions count only what was stored.
    expect(
      await count("SELECT coalesce(sum(events_count),0) FROM sessions WHERE session_id LIKE 'poison-s%'"),
    ).toBe(40);
    // The same poison again counts up instead of adding a row.
    await w.queue.add('e', job([bad[0]!]));
    await drained();
    expect(await count('SELECT count FROM dead_events WHERE id = $1', [bad[0]!.id])).toBe(2);
    expect(await health()).toBe(healthBefore + 3); // the same hit: not counted again
    const metrics = await writer.registry.getSingleMetricAsString('beacon_writer_dead_letters_total');
    expect(metrics).toMatch(/sqlstate="22001"[^}]*\} 2$/m);

    // beacon dead-letters: list, fix, replay (re-queued, stored by the writer), purge.
    const listed = (await beacon('dead-letters', 'list', '--pending')) as { events: { id: string }[] };
    expect(listed.events.map((e) => e.id).sort()).toEqual(bad.map((b) => b.id).sort());
    await w.db.pool.query(
      `UPDATE dead_events SET payload = payload || CASE sqlstate WHEN '22P02' THEN '{"time_on_page": 7}'::jsonb
         WHEN '23502' THEN '{"site_id": "site_a"}'::jsonb ELSE '{"page_title": "fixed"}'::jsonb END
       WHERE sqlstate <> '22001'`,
    );
    // --fit cuts 'DEU' to the column's 2 characters.
    expect(await beacon('dead-letters', 'replay', '--fit')).toMatchObject({ replayed: 4 });
    await drained();
    expect(
      await count('SELECT count(*) FROM events WHERE id = ANY($1::uuid[])', [bad.map((b) => b.id)]),
    ).toBe(4);
    expect(await count("SELECT count(*) FROM events WHERE id = $1 AND country = 'DE'", [bad[0]!.id])).toBe(1);
    expect(await count('SELECT count(*) FROM dead_events WHERE replayed_at IS NULL')).toBe(0);
    expect(await beacon('dead-letters', 'replay')).toMatchObject({ replayed: 0 });
    expect(await beacon('dead-letters', 'purge', '--replayed')).toEqual({ purged: 4 });
    expect(await count('SELECT count(*) FROM dead_events')).toBe(0);
  });

  it('stores a row for a month without partition in events_default and moves it when the partition is created', async () => {
    const future = '2031-03-15T12:00:00.000Z';
    const row = makeRow({ session_id: 'future-1', server_timestamp: future });
    await w.queue.add('e', job([row]));
    await drained();
    const where = async () =>
      (
        await w.db.pool.query<{ t: string }>(
          'SELECT tableoid::regclass::text AS t FROM events WHERE id = $1',
          [row.id],
        )
      ).rows[0]?.t;
    expect(await where()).toBe('events_default');
    // A second writer whose clock says March 2031 does its partition upkeep at start (skipped when
    // another writer holds the upkeep lock at that moment: then start it again until it has moved).
    await waitFor('the row to move into events_2031_03', async () => {
      const later = await startWriter(
        writerConfig(w.db.url, uniquePrefix('writer-clock'), { PARTITION_MONTHS_AHEAD: '1' }),
        { metricsPort: null, now: () => new Date('2031-03-01T00:00:00Z') },
      );
      await later.close();
      return (await where()) === 'events_2031_03';
    });
    // Nothing of March 2031 is left behind (rows of other months without a partition, such as the
    // fixed dates of the tests above once their month is past, stay in events_default: not this test's).
    expect(
      await count(
        "SELECT count(*) FROM events_default WHERE server_timestamp >= '2031-03-01' AND server_timestamp < '2031-04-01'",
      ),
    ).toBe(0);
    expect(await count('SELECT count(*) FROM events WHERE id = $1', [row.id])).toBe(1);
  });

  it('answers /readyz, /healthz and /metrics', async () => {
    const base = `http://127.0.0.1:${writer.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'beacon_writer_rows_total',
      'beacon_writer_batch_rows',
      'beacon_writer_freshness_seconds',
      'beacon_writer_batches_total',
    ])
      expect(text).toContain(name);
    expect(batches.length).toBeGreaterThan(0);
  });
});
