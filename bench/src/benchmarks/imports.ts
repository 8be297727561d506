import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@beacon/testkit';
import { psql, runCommand } from '../psql.js';
import { report, type Figure } from '../report.js';
import { benchDatabase } from './copy.js';

/**
 * `pnpm bench imports` (docs/compatible-intake.md "Importers"): `beacon import umami <postgres URL>`
 * of BENCH_IMPORT_ROWS (default 1,000,000) events of one website from a throwaway database with
 * Umami's tables (the test fixture's schema), then the same command again (nothing to add). Each run
 * is the built CLI in its own process under bash's `time`: wall clock, and the importer's own CPU
 * (user + sys); the rest of the wall clock is PostgreSQL (both databases) and waiting for the CPUs.
 */
const CLI = fileURLToPath(new URL('../../../services/cli/dist/main.js', import.meta.url));
const SCHEMA = new URL('../../../services/cli/test/intake/fixtures/umami-schema.sql', import.meta.url);
const WEBSITE = '5f8e0b52-0000-4000-8000-00000000b001';

/** N events over 30 days, 5 per session; every 10th a custom event; a third with a referrer. */
const fill = (n: number) => `
INSERT INTO session (session_id, website_id, browser, os, device, screen, language, country, region, city)
SELECT md5('s' || s)::uuid, '${WEBSITE}', (ARRAY['chrome','firefox','safari','edge'])[1 + s % 4],
       (ARRAY['Windows 10','Mac OS','iOS','Android'])[1 + s % 4], (ARRAY['desktop','mobile','tablet'])[1 + s % 3],
       '1920x1080', 'en-US', (ARRAY['DE','US','FR','GB','NL'])[1 + s % 5], NULL, NULL
FROM generate_series(0, ${Math.ceil(n / 5)} - 1) s;
INSERT INTO website_event (event_id, website_id, session_id, visit_id, created_at, url_path, url_query,
                           referrer_domain, page_title, event_type, event_name, hostname)
SELECT md5('e' || i)::uuid, '${WEBSITE}', md5('s' || (i / 5))::uuid, md5('v' || (i / 5))::uuid,
       timestamptz '2026-10-01 00:00:00+00' + (i * (30 * 86400.0 / ${n})) * interval '1 second',
       '/page/' || (i % 500), CASE WHEN i % 7 = 0 THEN 'utm_source=news' END,
       CASE WHEN i % 5 = 0 AND i % 3 = 0 THEN 'www.google.com' END, 'Page ' || (i % 500),
       CASE WHEN i % 10 = 9 THEN 2 ELSE 1 END, CASE WHEN i % 10 = 9 THEN 'signup' END, 'bench.example'
FROM generate_series(0, ${n} - 1) i;
ANALYZE session; ANALYZE website_event;`;

interface Run {
  wall: number;
  cpu: number;
  summary: { lines: number; inserted: number; already: number };
}

/** The CLI under bash's `time` (TIMEFORMAT: real user sys, on stderr's last line). */
async function timedImport(beaconDb: string, umamiDb: string): Promise<Run> {
  const cmd = `TIMEFORMAT='%R %U %S'; time "${process.execPath}" "${CLI}" --json import umami --site bench --website ${WEBSITE} "${umamiDb}"`;
  const r = await runCommand('bash', ['-c', cmd], { PATH: process.env.PATH, DATABASE_URL: beaconDb });
  if (r.code !== 0) throw new Error(`import exited ${r.code}: ${r.err}`);
  const [real, user, sys] = r.err.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: real!, cpu: user! + sys!, summary: JSON.parse(r.out) };
}

export async function importsBench(): Promise<void> {
  const rows = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
  const [beacon, umami] = await Promise.all([
    benchDatabase(['bench']),
    createTestDatabase({ migrated: false }),
  ]);
  try {
    await psql(umami.url, await readFile(SCHEMA, 'utf8'));
    const seedStart = performance.now();
    await psql(umami.url, fill(rows));
    const seeded = (performance.now() - seedStart) / 1000;
    const first = await timedImport(beacon.url, umami.url);
    const second = await timedImport(beacon.url, umami.url);
    if (first.summary.inserted !== rows || second.summary.inserted !== 0)
      throw new Error(`unexpected summaries: ${JSON.stringify([first.summary, second.summary])}`);
    const figures: Figure[] = [
      { name: `umami db import of ${rows} rows: wall clock`, value: first.wall, unit: 's' },
      { name: 'umami db import: importer CPU (user+sys)', value: first.cpu, unit: 's' },
      {
        name: 'umami db import: rows per second (wall)',
        value: Math.round(rows / first.wall),
        unit: 'rows/s',
      },
      { name: 'second run (changes nothing): wall clock', value: second.wall, unit: 's' },
      { name: 'second run: importer CPU (user+sys)', value: second.cpu, unit: 's' },
    ];
    await report('imports', figures, { rows, seededSeconds: seeded, first, second });
  } finally {
    await Promise.all([beacon.drop(), umami.drop()]);
  }
}
