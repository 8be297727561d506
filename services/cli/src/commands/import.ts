import type { Command } from 'commander';
import { ingestTokenSql } from '@beacon/db';
import { UserError, type CliContext } from '../context.js';
import { importPlausible, type PlausibleSummary } from '../import/plausible/import.js';
import {
  count,
  eventsLine,
  eventsProgress,
  list,
  plausibleProgress,
  plausibleSummary,
} from '../import/progress.js';
import { importGa4, importUmamiCsv, type ImportSummary } from '../import/run.js';
import { importUmamiDb } from '../import/umami-db.js';

const batchOption = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new UserError('--batch and --page must be 1..100000');
  return n;
};

interface Site {
  script_id: string;
  domain: string;
}

/** On a terminal the progress line is redrawn as it changes; elsewhere (a log, CI) a plain line this often. */
const PLAIN_PROGRESS_MS = 5_000;

/** Progress lines on stderr: redrawn in place on a terminal, else periodic plain lines and the last one. */
function progressPrinter<S>(line: (s: S, tty: boolean) => string) {
  const tty = Boolean(process.stderr.isTTY);
  let last = performance.now();
  let pending: S | undefined;
  let drawn = false;
  return {
    update(p: S): void {
      if (tty) {
        process.stderr.write(`\r${line(p, true)}\x1b[K`);
        drawn = true;
      } else if (performance.now() - last >= PLAIN_PROGRESS_MS) {
        process.stderr.write(`${line(p, false)}\n`);
        last = performance.now();
        pending = undefined;
      } else pending = p;
    },
    end(): void {
      if (drawn) process.stderr.write('\n');
      if (pending !== undefined) process.stderr.write(`${line(pending, false)}\n`);
    },
  };
}

/** Runs an import with its progress on stderr and prints the summary. */
async function runImport<S extends { seconds: number }, P extends S = S>(
  c: CliContext,
  site: string,
  path: string,
  run: (site: Site, progress: (p: P) => void) => Promise<S>,
  text: { progress: (p: P, tty: boolean) => string; summary: (s: S) => string },
): Promise<void> {
  const { rows } = await c.pool().query(ingestTokenSql.findSiteByRef, [site]);
  if (!rows[0]) throw new UserError(`no site has id or script_id ${site}`);
  const progress = progressPrinter(text.progress);
  const s = await run(rows[0], (p) => progress.update(p))
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new UserError(`${path} does not exist`);
      throw err;
    })
    .finally(() => progress.end());
  c.out(text.summary(s), { site_id: rows[0].script_id, ...s });
}

/** The events importers' summary: rows, skipped rows by reason, export fields not mapped. */
function eventsSummary(s: ImportSummary): string {
  const unmapped = list(Object.entries(s.unmappedFields), 'row');
  const skipped = list(Object.entries(s.skipped));
  return (
    `${eventsLine(s)} in ${s.seconds.toFixed(1)} s (${count(s.files, 'file')})\n` +
    (skipped ? `rows skipped:\n${skipped}\n` : '') +
    (unmapped ? `fields not mapped:\n${unmapped}` : 'every field was mapped')
  );
}

const eventsText = { progress: eventsProgress, summary: eventsSummary };

const DATABASE_URL = /^postgres(ql)?:\/\//i;

/** `beacon import ga4|umami|plausible --site S <path>`: history from other tools (docs/compatible-intake.md "Importers"). */
export function registerImport(program: Command, ctx: () => CliContext): void {
  const imp = program.command('import').description('import history from another analytics tool');
  imp
    .command('ga4')
    .description(
      'import a GA4 BigQuery export (newline-delimited JSON, .gz allowed; a file or a directory) as events of a site; a second run changes nothing',
    )
    .requiredOption('--site <script_id|id>', 'the Beacon site the history belongs to')
    .option('--batch <rows>', 'rows per transaction', batchOption)
    .argument('<path>', 'an export file or a directory of them')
    .action((path: string, opts: { site: string; batch?: number }) =>
      runImport(
        ctx(),
        opts.site,
        path,
        (site, progress) =>
          importGa4(ctx().pool(), path, site.script_id, { batchRows: opts.batch, progress }),
        eventsText,
      ),
    );
  imp
    .command('umami')
    .description(
      "import Umami's website_event rows, from its PostgreSQL database (a postgres:// URL) or a CSV export (with header, session columns optional; a file or a directory), as events of a site; a second run changes nothing",
    )
    .requiredOption('--site <script_id|id>', 'the Beacon site the history belongs to')
    .option('--website <uuid>', "Umami's website id (database only; needed when it has several websites)")
    .option('--batch <rows>', 'rows per transaction', batchOption)
    .option('--page <rows>', 'rows read from the database per query (default 10000)', batchOption)
    .argument('<source>', "Umami's database URL, or a CSV export or a directory of them")
    .action((source: string, opts: { site: string; website?: string; batch?: number; page?: number }) =>
      runImport(
        ctx(),
        opts.site,
        source,
        (site, progress) => {
          const to = { scriptId: site.script_id, domain: site.domain };
          if (DATABASE_URL.test(source))
            return importUmamiDb(ctx().pool(), source, to, {
              website: opts.website,
              batchRows: opts.batch,
              pageRows: opts.page,
              progress,
            });
          if (opts.website || opts.page)
            throw new UserError('--website and --page are for a database URL; a CSV export is read whole');
          return importUmamiCsv(ctx().pool(), source, to, { batchRows: opts.batch, progress });
        },
        eventsText,
      ),
    );
  imp
    .command('plausible')
    .description(
      "import a Plausible CSV export (its zip or a directory of its CSV files) as the site's per-day aggregates; days that hold the site's own data are refused; a second run changes nothing",
    )
    .requiredOption('--site <script_id|id>', 'the Beacon site the history belongs to')
    .option(
      '--skip-overlap',
      'import only the days where the site has no data of its own (and that are over)',
    )
    .argument('<path>', 'the export zip, or a directory of its CSV files')
    .action((path: string, opts: { site: string; skipOverlap?: boolean }) =>
      runImport<PlausibleSummary>(
        ctx(),
        opts.site,
        path,
        (site, progress) =>
          importPlausible(
            ctx().pool(),
            path,
            { scriptId: site.script_id, domain: site.domain },
            { skipOverlap: opts.skipOverlap, progress },
          ),
        { progress: plausibleProgress, summary: plausibleSummary },
      ),
    );
}
