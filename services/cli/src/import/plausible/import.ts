import { hasSketches, rollupDaysSql, type PoolClient } from '@beacon/db';
import { referrerLists } from '@beacon/enricher';
import { UserError } from '../../context.js';
import * as sql from '../../sql/imports.js';
import type { HistoryImport } from '../run.js';
import { openExport, type ExportArchive } from './export-files.js';
import { Stager, stageFile, type ReadTally } from './stage.js';
import { NOT_REPRESENTABLE, TABLES } from './tables.js';
import { joinUp, planImport, writeDays, type DaysTally } from './write-days.js';

/**
 * `beacon import plausible`: a Plausible CSV export (a directory or its zip) into the site's per-day
 * aggregates (docs/compatible-intake.md "Plausible"). Reads every file into a staging table of one
 * connection, groups it by day, dimension and value, then writes the days as planned.
 */

export const SOURCE = 'plausible';

export interface PlausibleSummary extends ReadTally, DaysTally {
  /** The zone whose local days the export's dates were read as (the site's). */
  timezone: string;
  /** First and last day of the export. */
  first: string | null;
  last: string | null;
  /** Export files not imported, with the reason. */
  unmappedFiles: Record<string, string>;
  phase: 'reading' | 'writing' | 'done';
  /** Days to write (known once reading is done). */
  daysToWrite: number;
  seconds: number;
}

export interface PlausibleOptions {
  skipOverlap?: boolean;
  progress?: (s: PlausibleSummary) => void;
}

async function readExport(
  client: PoolClient,
  archive: ExportArchive,
  site: { domain: string },
  s: PlausibleSummary,
  tick: () => void,
): Promise<void> {
  const ctx = { lists: referrerLists(), siteDomain: site.domain };
  const stager = new Stager(client);
  for (const file of archive.files) {
    const spec = file.table ? TABLES[file.table] : undefined;
    if (!spec) {
      s.unmappedFiles[file.name] =
        (file.table && NOT_REPRESENTABLE[file.table]) ?? 'not a table of a Plausible export';
      continue;
    }
    s.files++;
    await stageFile(file, spec, ctx, stager, s, tick);
  }
  await stager.flush();
  if (!archive.files.some((f) => f.table === 'imported_visitors'))
    throw new UserError(
      'the export has no imported_visitors file: without it the days would have no totals (select every file of the export)',
    );
}

export const importPlausible: HistoryImport<PlausibleOptions, PlausibleSummary> = async (
  pool,
  path,
  site,
  opts = {},
) => {
  if (!(await hasSketches(pool)))
    throw new UserError(
      'imported days are read through rollup_days\' sketches, and this database has none: install the hll extension (docs/rollups.md, "Without the extension")',
    );
  const started = performance.now();
  const archive = await openExport(path);
  const client = await pool.connect();
  const s: PlausibleSummary = {
    files: 0,
    lines: 0,
    skipped: {},
    unmappedFields: {},
    unmappedFiles: {},
    timezone: 'UTC',
    first: null,
    last: null,
    written: 0,
    replaced: 0,
    unchanged: 0,
    overlapping: [],
    current: [],
    phase: 'reading',
    daysToWrite: 0,
    seconds: 0,
  };
  let last = 0;
  const report = (force = false) => {
    s.seconds = (performance.now() - started) / 1000;
    if (opts.progress && (force || performance.now() - last > 1000)) {
      last = performance.now();
      opts.progress(s);
    }
  };
  try {
    await client.query(sql.createStaging);
    await client.query(sql.truncateStaging);
    await readExport(client, archive, site, s, report);
    await client.query(sql.dropDays);
    await client.query(sql.groupDays);
    await client.query(sql.indexDays);
    const { rows: span } = await client.query<{ first: string | null; last: string | null }>(sql.daysSpan);
    s.first = span[0]?.first ?? null;
    s.last = span[0]?.last ?? null;
    if (s.first === null || s.last === null) throw new UserError('the export has no rows that could be read');
    const { rows: zone } = await client.query<{ tz: string }>(rollupDaysSql.siteZone, [site.scriptId]);
    s.timezone = zone[0]?.tz ?? 'UTC';
    const plan = await planImport(
      client,
      site.scriptId,
      s.timezone,
      { first: s.first, last: s.last },
      SOURCE,
      opts.skipOverlap ?? false,
    );
    s.phase = 'writing';
    s.daysToWrite = plan.filter((d) => d.state === 'new' || d.state === 'changed').length;
    report(true);
    const tally = await writeDays(client, site.scriptId, s.timezone, plan, SOURCE, (t) => {
      Object.assign(s, t);
      report();
    });
    Object.assign(s, tally);
    await joinUp(client, site.scriptId, s.timezone, s.first);
    s.phase = 'done';
    report(true);
    return s;
  } finally {
    await client.query(sql.dropStaging).catch(() => undefined);
    client.release();
    archive.close();
  }
};
