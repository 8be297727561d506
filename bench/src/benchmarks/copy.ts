import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { median, report } from '../report.js';
import { psql, psqlCopyEvents } from '../psql.js';
import { generateRows, toCsvLine } from '../rows.js';
import { benchSettings, count, runs as runsOf } from '../settings.js';

/** Writes `count` generated rows for `siteIds` to a CSV file; returns its path. */
export async function writeCsv(dir: string, count: number, siteIds: string[]): Promise<string> {
  const path = join(dir, `events-${count}.csv`);
  const out = createWriteStream(path);
  const now = Date.now();
  for (const row of generateRows(count, { siteIds, from: new Date(now - 3_600_000), to: new Date(now) })) {
    if (!out.write(toCsvLine(row))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

/**
 * A migrated database with one agency and the given sites. `migrate`: migrate with that function (a
 * baseline checkout's, bench/src/baseline.ts) instead of this checkout's migrations.
 */
export async function benchDatabase(
  siteIds: readonly string[],
  withFk = false,
  migrate?: (url: string) => Promise<unknown>,
): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated: !migrate });
  if (migrate) await migrate(db.url);
  await psql(
    db.url,
    `INSERT INTO agencies (name, api_key) VALUES ('bench', 'x');
     INSERT INTO sites (agency_id, name, domain, script_id)
       SELECT (SELECT id FROM agencies), s, s || '.example', s FROM unnest(ARRAY['${siteIds.join("','")}']) s;
     ${withFk ? 'ALTER TABLE events ADD CONSTRAINT events_site_fk FOREIGN KEY (site_id) REFERENCES sites(script_id);' : ''}
     CHECKPOINT;`,
  );
  return db;
}

/**
 * `pnpm bench copy`: raw `psql \copy` of generated events-like rows into the migrated schema (the
 * baseline the writer is measured against), and the same load with a foreign key from events.site_id
 * to sites(script_id): the measurement behind the schema's choice not to have one.
 */
export async function copyBench(): Promise<void> {
  const { rows, runs } = benchSettings({
    rows: count('BENCH_ROWS', 200_000, 'rows to load'),
    runs: runsOf(3),
  });
  const siteIds = Array.from({ length: 20 }, (_, i) => `benchsite${String(i).padStart(3, '0')}`);
  const dir = await mkdtemp(join(tmpdir(), 'beacon-bench-'));
  try {
    const csv = await writeCsv(dir, rows, siteIds);
    const plain: number[] = [];
    const fk: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const [withFk, into] of [
        [false, plain],
        [true, fk],
      ] as const) {
        const db = await benchDatabase(siteIds, withFk);
        try {
          into.push(rows / (await psqlCopyEvents(db.url, csv)));
        } finally {
          await db.drop();
        }
      }
    }
    const base = median(plain);
    await report(
      'copy',
      [
        {
          name: `psql \\copy into events (${rows} rows, PK + 9 idx)`,
          value: Math.round(base),
          unit: 'rows/s',
          ratio: 1,
          baseline: '(baseline)',
        },
        {
          name: 'same with FK events.site_id -> sites',
          value: Math.round(median(fk)),
          unit: 'rows/s',
          ratio: median(fk) / base,
          baseline: 'of psql \\copy',
        },
      ],
      { rows, runs, plain, fk },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
