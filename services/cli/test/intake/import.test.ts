import { fileURLToPath } from 'node:url';
import { adminSql } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';
import { runBeacon, SLOW } from './beacon-cli.js';

// Real: the built `beacon` bin, PostgreSQL. The sample export is written from GA4's documented BigQuery
// export schema (fixtures/ga4-export.ndjson).

const SAMPLE = fileURLToPath(new URL('./fixtures/ga4-export.ndjson', import.meta.url));
const db = useTestDatabase();

const beacon = (args: string[]) => runBeacon(db.url, args);

/**
 * The progress an import printed on stderr, not a terminal: plain lines (no bar, nothing redrawn in
 * place), at most one each PLAIN_PROGRESS_MS, and the last one for the whole source.
 */
function progressLines(stderr: string): string[] {
  expect(stderr).not.toMatch(/[\r\x1b[]/);
  const lines = stderr.split('\n').filter(Boolean);
  for (const line of lines)
    expect(line).toMatch(
      /^\d{1,3}% [\d,]+ rows? read, [\d,]+ imported, [\d,]+ already there, [\d,]+ rows\/s$/,
    );
  return lines;
}

beforeAll(async () => {
  const { rows } = await db.pool.query(adminSql.insertAgency, [
    'A',
    'a@example.com',
    'x',
    'bk_00000000',
    null,
  ]);
  await db.pool.query(adminSql.insertSite, [rows[0].id, 'Shop', 'shop.example', 'ga4shop', null, null]);
});

describe('beacon import ga4', () => {
  it(
    'imports events, sessions and rollups once, and says what it could not map',
    async () => {
      const first = await beacon(['--json', 'import', 'ga4', '--site', 'ga4shop', SAMPLE]);
      expect(first.code).toBe(0);
      const s = JSON.parse(first.stdout);
      expect(progressLines(first.stderr).at(-1)).toMatch(/^100% 6 rows read, 4 imported, 0 already there, /);
      expect(s).toMatchObject({
        lines: 6,
        inserted: 4,
        already: 0,
        skipped: { 'no event_timestamp': 1, 'not JSON': 1 },
      });
      expect(s.unmappedFields).toEqual({ privacy_info: 3 });
      const { rows } = await db.pool.query(
        `SELECT event_name, server_timestamp, client_id, session_id, page_url, page_path, referrer_domain, utm_source,
              country_name, city, device_type, browser, os, ecommerce_data, properties
       FROM events WHERE site_id = 'ga4shop' ORDER BY server_timestamp`,
      );
      expect(rows.map((r) => r.event_name)).toEqual(['page_view', 'add_to_cart', 'purchase', 'page_view']);
      expect(rows[0]).toMatchObject({
        server_timestamp: new Date(1763632800000),
        client_id: '1111.2222',
        session_id: '1111.2222:1763632800',
        page_path: '/',
        referrer_domain: 'google.com',
        utm_source: 'news',
        country_name: 'Germany',
        device_type: 'desktop',
        browser: 'Chrome',
        properties: { intake: 'ga4_import' },
      });
      expect(rows[1].ecommerce_data.items[0].item_id).toBe('SKU_1');
      expect(rows[1].properties).toMatchObject({ currency: 'EUR', value: 19.9 });
      const sessions = await db.pool.query(
        `SELECT session_id FROM sessions WHERE site_id = 'ga4shop' ORDER BY 1`,
      );
      expect(sessions.rows.map((r) => r.session_id)).toEqual([
        '1111.2222:1763632800',
        '3333.4444:1763719200',
      ]);

      const second = await beacon(['--json', 'import', 'ga4', '--site', 'ga4shop', SAMPLE]);
      expect(second.code).toBe(0);
      expect(progressLines(second.stderr).at(-1)).toMatch(/^100% 6 rows read, 0 imported, 4 already there, /);
      expect(JSON.parse(second.stdout)).toMatchObject({ inserted: 0, already: 4 });
      // Without --json: the summary says what could not be mapped, in words.
      const text = await beacon(['import', 'ga4', '--site', 'ga4shop', SAMPLE]);
      expect(text.stdout.replace(/[\d,]+ rows\/s in [\d.]+ s/, 'R')).toBe(
        '6 rows read, 0 imported, 4 already there, R (1 file)\n' +
          'rows skipped:\n  no event_timestamp: 1\n  not JSON: 1\n' +
          'fields not mapped:\n  privacy_info: 3 rows\n',
      );
      const count = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE site_id = 'ga4shop'`);
      expect(count.rows[0].n).toBe(4);
      // History is not traffic: imports leave ingestion health alone.
      const health = await db.pool.query(`SELECT count(*)::int AS n FROM ingestion_health`);
      expect(health.rows[0].n).toBe(0);
    },
    SLOW,
  );

  it(
    'refuses an unknown site or path with a clear message',
    async () => {
      const a = await beacon(['import', 'ga4', '--site', 'nope', SAMPLE]);
      expect(a.code).toBe(1);
      expect(a.stderr).toMatch(/no site has id or script_id nope/);
      const b = await beacon(['import', 'ga4', '--site', 'ga4shop', '/no/such/export.ndjson']);
      expect(b.code).toBe(1);
      expect(b.stderr).toMatch(/does not exist/);
    },
    SLOW,
  );
});

describe('beacon import umami', () => {
  const CSV = fileURLToPath(new URL('./fixtures/umami-website_event.csv', import.meta.url));

  it(
    'imports website_event rows once and names the unmapped columns',
    async () => {
      const first = await beacon(['--json', 'import', 'umami', '--site', 'ga4shop', CSV]);
      expect(progressLines(first.stderr).at(-1)).toMatch(/^100% 4 rows read, 3 imported, 0 already there, /);
      const s = JSON.parse(first.stdout);
      expect(s).toMatchObject({ lines: 4, inserted: 3, already: 0, skipped: { 'no created_at': 1 } });
      expect(s.unmappedFields).toEqual({ tag: 1 });
      const { rows } = await db.pool.query(
        `SELECT event_name, event_id, page_url, referrer_domain, session_id, client_id, country, browser, device_type
       FROM events WHERE properties->>'intake' = 'umami_import' ORDER BY server_timestamp`,
      );
      expect(rows.map((r) => r.event_name)).toEqual(['page_view', 'page_view', 'signup-click']);
      expect(rows[0]).toMatchObject({
        event_id: '0b6a1f9e-5c2d-4a4e-9a43-1f0c7f2e9d01',
        page_url: 'https://shop.example/?utm_source=news',
        referrer_domain: 'google.com',
        session_id: '9a1c2c1e-2222-4a4e-9a43-1f0c7f2e0001',
        client_id: '7d1c2c1e-1111-4a4e-9a43-1f0c7f2e0001',
        country: 'DE',
        browser: 'chrome',
        device_type: 'desktop',
      });
      const second = await beacon(['--json', 'import', 'umami', '--site', 'ga4shop', CSV]);
      expect(JSON.parse(second.stdout)).toMatchObject({ inserted: 0, already: 3 });
    },
    SLOW,
  );

  it(
    'says plainly when the Umami database cannot be read',
    async () => {
      const r = await beacon([
        'import',
        'umami',
        '--site',
        'ga4shop',
        'postgres://u@no-such-host.invalid/umami',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot read the Umami database/);
    },
    SLOW,
  );
});
