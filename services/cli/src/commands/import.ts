import type { Command } from 'commander';
import { ingestTokenSql } from '@beacon/db';
import { UserError, type CliContext } from '../context.js';
import { importGa4, importUmamiCsv, type ImportSummary } from '../import/run.js';

const line = (s: ImportSummary) =>
  `${s.lines.toLocaleString('en')} rows read, ${s.inserted.toLocaleString('en')} imported, ` +
  `${s.already.toLocaleString('en')} already there, ${Math.round(s.lines / Math.max(s.seconds, 0.001)).toLocaleString('en')} rows/s`;

const batchOption = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UserError('--batch must be 1..100000');
  return n;
};

/** Runs an import with a progress line on stderr and prints the summary. */
async function runImport(
  c: CliContext,
  site: string,
  path: string,
  run: (
    site: { script_id: string; domain: string },
    progress: (s: ImportSummary) => void,
  ) => Promise<ImportSummary>,
): Promise<void> {
  const { rows } = await c.pool().query(ingestTokenSql.findSiteByRef, [site]);
  if (!rows[0]) throw new UserError(`no site has id or script_id ${site}`);
  const tty = process.stderr.isTTY;
  const s = await run(rows[0], (p) => process.stderr.write(tty ? `\r${line(p)}   ` : `${line(p)}\n`)).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new UserError(`${path} does not exist`);
      throw err;
    },
  );
  if (tty) process.stderr.write('\n');
  const unmapped = Object.entries(s.unmappedFields)
    .map(([k, n]) => `  ${k}: ${n} rows`)
    .join('\n');
  const skipped = Object.entries(s.skipped)
    .map(([k, n]) => `  ${k}: ${n}`)
    .join('\n');
  c.out(
    `${line(s)} in ${s.seconds.toFixed(1)} s (${s.files} files)\n` +
      (skipped ? `rows skipped:\n${skipped}\n` : '') +
      (unmapped ? `fields not mapped:\n${unmapped}` : 'every field was mapped'),
    { site_id: rows[0].script_id, ...s },
  );
}

/** `beacon import ga4|umami --site S <path>`: history from other tools (docs/compatible-intake.md "Importers"). */
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
      runImport(ctx(), opts.site, path, (site, progress) =>
        importGa4(ctx().pool(), path, site.script_id, { batchRows: opts.batch, progress }),
      ),
    );
  imp
    .command('umami')
    .description(
      "import Umami's website_event rows (CSV with header, session columns optional; a file or a directory) as events of a site; a second run changes nothing",
    )
    .requiredOption('--site <script_id|id>', 'the Beacon site the history belongs to')
    .option('--batch <rows>', 'rows per transaction', batchOption)
    .argument('<path>', 'a CSV export or a directory of them')
    .action((path: string, opts: { site: string; batch?: number }) => {
      if (/^postgres(ql)?:\/\//i.test(path))
        throw new UserError(
          'reading an Umami database directly is not supported yet: export its website_event table as CSV (docs/compatible-intake.md "Importers")',
        );
      return runImport(ctx(), opts.site, path, (site, progress) =>
        importUmamiCsv(
          ctx().pool(),
          path,
          { scriptId: site.script_id, domain: site.domain },
          {
            batchRows: opts.batch,
            progress,
          },
        ),
      );
    });
}
