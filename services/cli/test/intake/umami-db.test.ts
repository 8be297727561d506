import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { adminSql } from '@beacon/db';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { runBeacon, SLOW } from './beacon-cli.js';

// `beacon import umami <postgres URL>`, all real: a throwaway PostgreSQL database with Umami's two
// tables (fixtures/umami-schema.sql, written from Umami's documented schema) and sample rows
// (fixtures/umami-rows.sql), the built CLI, and Beacon's database.

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const CSV = fileURLToPath(new URL('./fixtures/umami-website_event.csv', import.meta.url));
const WEBSITE = '5f8e0b52-0000-4000-8000-000000000001';

let db: TestDatabase;
let umami: TestDatabase;
const beacon = (args: string[]) => runBeacon(db.url, args);

beforeAll(async () => {
  [db, umami] = await Promise.all([createTestDatabase(), createTestDatabase({ migrated: false })]);
  await umami.pool.query(fixture('umami-schema.sql'));
  await umami.pool.query(fixture('umami-rows.sql'));
  const { rows } = await db.pool.query(adminSql.insertAgency, [
    'U',
    'u@example.com',
    'x',
    'bk_00000001',
    null,
  ]);
  await db.pool.query(adminSql.insertSite, [rows[0].id, 'Shop', 'shop.example', 'umdb', null, null]);
});
afterAll(async () => {
  await Promise.all([db?.drop(), umami?.drop()]);
});

/** `beacon --json import umami` of WEBSITE into site umdb (the database URL follows). */
const IMPORT_WEBSITE = ['--json', 'import', 'umami', '--site', 'umdb', '--website', WEBSITE];

describe('beacon import umami <database URL>', () => {
  it(
    'asks which website when the database has several',
    async () => {
      const r = await beacon(['import', 'umami', '--site', 'umdb', umami.url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /several websites; pass --website with one of: 5f8e0b52-0000-4000-8000-000000000001 \(6 events\)/,
      );
    },
    SLOW,
  );

  it(
    "reads one website's events in keyset pages, once, with the CSV importer's mapping",
    async () => {
      // Pages of two rows: one page boundary falls between two events of the same microsecond.
      const first = await beacon([...IMPORT_WEBSITE, '--page', '2', umami.url]);
      expect(first.stderr).not.toMatch(/error/i);
      // Not a terminal: plain progress lines, the last one for all of the website's rows.
      expect(first.stderr.trimEnd().split('\n').at(-1)).toMatch(
        /^100% 6 rows read, 6 imported, 0 already there, [\d,]+ rows\/s$/,
      );
      const s = JSON.parse(first.stdout);
      expect(s).toMatchObject({ lines: 6, inserted: 6, already: 0, skipped: {} });
      expect(s.unmappedFields).toEqual({ tag: 1, msclkid: 1 });
      const { rows } = await db.pool.query(
        `SELECT event_id, event_name, page_url, referrer_domain, session_id, client_id, country, region, city, browser,
              os, device_type, screen_resolution, language, server_timestamp
       FROM events WHERE site_id = 'umdb' ORDER BY server_timestamp, event_id`,
      );
      expect(rows.map((r) => [r.event_id.slice(-2), r.event_name])).toEqual([
        ['01', 'page_view'],
        ['02', 'page_view'],
        ['03', 'signup-click'],
        ['05', 'page_view'],
        ['06', 'page_view'],
        ['07', 'copy-command'],
      ]);
      expect(rows[0]).toMatchObject({
        page_url: 'https://shop.example/?utm_source=news',
        referrer_domain: 'google.com',
        session_id: '9a1c2c1e-2222-4a4e-9a43-1f0c7f2e0001',
        client_id: '7d1c2c1e-1111-4a4e-9a43-1f0c7f2e0001',
        country: 'DE',
        region: 'DE-BE',
        city: 'Berlin',
        browser: 'chrome',
        os: 'Windows 10',
        device_type: 'desktop',
        screen_resolution: '1920x1080',
        language: 'en-US',
      });
      expect(rows[3]).toMatchObject({
        page_url: 'https://shop.example/docs/install',
        country: 'AT',
        region: null,
        server_timestamp: new Date('2026-11-19T18:30:00.123Z'),
      });
      const sessions = await db.pool.query(`SELECT count(*)::int AS n FROM sessions WHERE site_id = 'umdb'`);
      expect(sessions.rows[0].n).toBe(2);

      // A second run changes nothing; neither does the CSV export of the same events.
      const again = await beacon([...IMPORT_WEBSITE, umami.url]);
      expect(JSON.parse(again.stdout)).toMatchObject({ lines: 6, inserted: 0, already: 6 });
      const csv = await beacon(['--json', 'import', 'umami', '--site', 'umdb', CSV]);
      expect(JSON.parse(csv.stdout)).toMatchObject({ inserted: 0, already: 3 });
      const count = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE site_id = 'umdb'`);
      expect(count.rows[0].n).toBe(6);
    },
    SLOW,
  );

  it(
    'says what is wrong with a database that is not Umami, or a bad website id',
    async () => {
      const notUmami = await beacon(['import', 'umami', '--site', 'umdb', db.url]);
      expect(notUmami.code).toBe(1);
      expect(notUmami.stderr).toMatch(/no Umami website_event and session tables here/);
      const badId = await beacon(['import', 'umami', '--site', 'umdb', '--website', 'shop', umami.url]);
      expect(badId.code).toBe(1);
      expect(badId.stderr).toMatch(/--website must be an Umami website id/);
    },
    SLOW,
  );
});
