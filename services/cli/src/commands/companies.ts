import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { columnsOf, companiesSql, inTransaction, rebuildRollups, type PoolClient } from '@beacon/db';
import { formatIp, ipFromBigInt, IpRangeError, parseIpRange } from '@beacon/schema';
import { UserError, type CliContext } from '../context.js';
import { commandGroup } from './group.js';
import { intArg } from '../validate.js';
import { AGENCY_OPTION, resolveAgency } from './agency.js';

/**
 * `beacon companies import --agency <id|email> file.csv`: an agency's own IP-range -> company table,
 * the first source of company identification in the enricher (which reloads it within
 * COMPANY_RANGES_RELOAD_SECONDS). The CSV has a header row; column names (any case):
 *
 *   range | cidr                one of: 203.0.113.0/24, 2001:db8::/48, 198.51.100.10-198.51.100.99, 192.0.2.7
 *   range_start, range_end      instead of `range`: first and last address
 *   company_name | name         required
 *   company_domain | domain     optional, e.g. acme.com
 *   industry, employee_count | employees, revenue   optional
 *
 * Lines starting with # and blank lines are skipped. Every bad line is reported with its line number;
 * then nothing is imported unless --skip-invalid. By default the file replaces the agency's ranges
 * (in one transaction: the enricher never sees half a file); --append adds to them.
 *
 * The file's company facts per domain (name, industry, employee_count, revenue) go to the agency's own
 * `agency_companies` rows, never to the shared `companies` table: they are read only for this agency's
 * sites (migration 0060). A replacing import replaces those rows too; --append updates them.
 */
export interface RangeRow {
  line: number;
  start: string;
  end: string;
  name: string;
  domain: string | null;
  industry: string | null;
  employeeCount: string | null;
  revenue: string | null;
}

export interface CsvProblem {
  line: number;
  message: string;
}

const ALIASES: Record<string, string> = {
  range: 'range',
  cidr: 'range',
  network: 'range',
  range_start: 'start',
  start: 'start',
  start_ip: 'start',
  range_end: 'end',
  end: 'end',
  end_ip: 'end',
  company_name: 'name',
  name: 'name',
  company: 'name',
  company_domain: 'domain',
  domain: 'domain',
  industry: 'industry',
  company_industry: 'industry',
  employee_count: 'employees',
  employees: 'employees',
  company_employee_count: 'employees',
  revenue: 'revenue',
  company_revenue: 'revenue',
};

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

type CsvRecord = { record: string[]; info: { lines: number } };

/** Parses and validates the CSV text; never throws for bad content (problems carry line numbers). */
export function parseRangesCsv(text: string): { rows: RangeRow[]; problems: CsvProblem[] } {
  let records: CsvRecord[];
  try {
    records = parse(text, {
      bom: true,
      comment: '#',
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
    }) as unknown as CsvRecord[];
  } catch (err) {
    const e = err as { message: string; lines?: number };
    return { rows: [], problems: [{ line: e.lines ?? 0, message: `not valid CSV: ${e.message}` }] };
  }
  if (records.length === 0)
    return { rows: [], problems: [{ line: 1, message: 'the file has no header row' }] };
  const header = records[0]!.record.map(
    (h) =>
      ALIASES[
        h
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, '_')
      ] ?? null,
  );
  const problems = headerProblems(header, records[0]!.info.lines);
  if (problems.length > 0) return { rows: [], problems };
  const rows: RangeRow[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.length > header.length) {
      problems.push({
        line: info.lines,
        message: `${record.length} fields, the header has ${header.length}`,
      });
      continue;
    }
    try {
      rows.push(rangeRowOf(header, record, info.lines));
    } catch (err) {
      if (!(err instanceof IpRangeError)) throw err;
      problems.push({ line: info.lines, message: err.message });
    }
  }
  return { rows, problems };
}

function headerProblems(header: readonly (string | null)[], line: number): CsvProblem[] {
  const problems: CsvProblem[] = [];
  const hasRange = header.includes('range');
  const hasBounds = header.includes('start') && header.includes('end');
  if (!hasRange && !hasBounds)
    problems.push({
      line,
      message: 'the header needs a "range" (or "cidr") column, or "range_start" and "range_end"',
    });
  if (!header.includes('name'))
    problems.push({ line, message: 'the header needs a "company_name" (or "name") column' });
  return problems;
}

/** One line of the file as a range row; throws IpRangeError saying what is wrong with it. */
function rangeRowOf(header: readonly (string | null)[], record: readonly string[], line: number): RangeRow {
  const get = (key: string) => {
    const i = header.indexOf(key);
    const v = i >= 0 ? record[i]?.trim() : undefined;
    return v ? v : null;
  };
  let range;
  if (get('range')) range = parseIpRange(get('range')!);
  else if (get('start') && get('end')) range = parseIpRange(`${get('start')}-${get('end')}`);
  else throw new IpRangeError('no IP range on this line');
  const name = get('name');
  if (!name) throw new IpRangeError('company name is empty');
  if (name.length > 255) throw new IpRangeError('company name is longer than 255 characters');
  let domain =
    get('domain')
      ?.toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '')
      .replace(/^www\./, '') ?? null;
  if (domain === '') domain = null;
  if (domain && !DOMAIN.test(domain))
    throw new IpRangeError(`domain ${JSON.stringify(get('domain'))} is not a domain name`);
  const limit = (v: string | null, max: number, what: string) => {
    if (v && v.length > max) throw new IpRangeError(`${what} is longer than ${max} characters`);
    return v;
  };
  return {
    line,
    start: formatIp(ipFromBigInt(range.family, range.start)),
    end: formatIp(ipFromBigInt(range.family, range.end)),
    name,
    domain,
    industry: limit(get('industry'), 100, 'industry'),
    employeeCount: limit(get('employees'), 50, 'employee_count'),
    revenue: limit(get('revenue'), 50, 'revenue'),
  };
}

/** A domain's facts in a file: per column, the first line of that domain that gives a value. */
export interface DomainFacts {
  domain: string;
  name: string | null;
  industry: string | null;
  employeeCount: string | null;
  revenue: string | null;
}

export function factsByDomain(rows: readonly RangeRow[]): DomainFacts[] {
  const out = new Map<string, DomainFacts>();
  for (const r of rows) {
    if (!r.domain) continue;
    const f = out.get(r.domain);
    if (!f) {
      out.set(r.domain, {
        domain: r.domain,
        name: r.name,
        industry: r.industry,
        employeeCount: r.employeeCount,
        revenue: r.revenue,
      });
      continue;
    }
    f.name ??= r.name;
    f.industry ??= r.industry;
    f.employeeCount ??= r.employeeCount;
    f.revenue ??= r.revenue;
  }
  return [...out.values()];
}

const CHUNK = 5000;

interface LeakReport {
  site_id: string;
  events: number;
  first: Date;
  last: Date;
}

/**
 * `beacon companies scrub-events`: clears, in stored events, company facts that another agency owns
 * (completed from its import by an enricher before migration 0060), then rebuilds the rollups of the
 * hours it changed. The rule is companiesSql.leakedEventFacts; docs/company-ranges.md explains it.
 */
async function scrubEvents(
  c: CliContext,
  opts: { site?: string[]; dryRun?: boolean; chunkHours: number },
): Promise<void> {
  const sites = opts.site?.length ? opts.site : null;
  const sql = opts.dryRun ? companiesSql.leakedEventFacts : companiesSql.scrubLeakedEventFacts;
  const { rows } = await c.pool().query<LeakReport>(sql, [sites]);
  const rebuilt: { site_id: string; written: number }[] = [];
  if (!opts.dryRun) {
    for (const r of rows) {
      // The rollups hold company_industry: recompute the hours whose events changed.
      const report = await rebuildRollups(c.pool(), {
        siteId: r.site_id,
        from: r.first,
        to: new Date(r.last.getTime() + 1),
        chunkHours: opts.chunkHours,
        log: (m) => (c.json ? undefined : console.error(m)),
      });
      rebuilt.push({ site_id: r.site_id, written: report.written });
    }
  }
  const total = rows.reduce((n, r) => n + r.events, 0);
  c.out(
    rows.length === 0
      ? "no stored event holds another agency's company facts"
      : rows
          .map(
            (r) =>
              `${r.site_id}: ${r.events} event(s) ${opts.dryRun ? 'hold' : 'held'} another agency's company facts (${r.first.toISOString()} .. ${r.last.toISOString()})`,
          )
          .concat(
            opts.dryRun
              ? ['nothing changed (--dry-run)']
              : [`cleared; rollups rebuilt for ${rebuilt.length} site(s)`],
          )
          .join('\n'),
    { events: total, sites: rows, dry_run: Boolean(opts.dryRun), rollups_rebuilt: rebuilt },
  );
}

function registerScrubEvents(companies: Command, ctx: () => CliContext): void {
  companies
    .command('scrub-events')
    .description(
      "clear company facts another agency owns from stored events (left by enrichers before migration 0060), then rebuild those hours' rollups",
    )
    .option(
      '--site <script_id>',
      'only this site (repeatable); default every site',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--dry-run', 'report the events; change nothing')
    .option(
      '--chunk-hours <n>',
      'hours per rollup rebuild transaction',
      intArg('--chunk-hours', 1, 8_784),
      24,
    )
    .action((opts: { site?: string[]; dryRun?: boolean; chunkHours: number }) => scrubEvents(ctx(), opts));
}

interface ImportOptions {
  agency?: string;
  append?: boolean;
  skipInvalid?: boolean;
  dryRun?: boolean;
}

function registerImport(companies: Command, ctx: () => CliContext): void {
  companies
    .command('import')
    .description("import an agency's IP-range -> company CSV (replaces its ranges unless --append)")
    .argument(
      '<file>',
      'CSV file with a header row: range (or range_start,range_end), company_name, domain, industry, employee_count, revenue',
    )
    .option(...AGENCY_OPTION)
    .option('--append', 'add to the agency ranges instead of replacing them')
    .option('--skip-invalid', 'import the good lines even when some lines are bad (they are still reported)')
    .option('--dry-run', 'check the file and report; change nothing')
    .action((file: string, opts: ImportOptions) => importRanges(ctx(), file, opts));
}

/** Reads and checks the file; bad lines are reported on stderr and stop the import unless --skip-invalid. */
async function readRangesFile(file: string, opts: ImportOptions): Promise<ReturnType<typeof parseRangesCsv>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = parseRangesCsv(text);
  const { rows, problems } = parsed;
  const shown = problems.slice(0, 50).map((p) => `  line ${p.line}: ${p.message}`);
  if (problems.length > 50) shown.push(`  ... and ${problems.length - 50} more`);
  if (problems.length > 0)
    process.stderr.write(`${file}: ${problems.length} bad line(s)\n${shown.join('\n')}\n`);
  if (problems.length > 0 && (!opts.skipInvalid || rows.length === 0))
    throw new UserError(
      `nothing imported: fix the lines above${rows.length > 0 ? ' or pass --skip-invalid' : ''}`,
    );
  return parsed;
}

async function importRanges(c: CliContext, file: string, opts: ImportOptions): Promise<void> {
  const { rows, problems } = await readRangesFile(file, opts);
  const agency = await resolveAgency(c, opts.agency);
  if (opts.dryRun) {
    c.out(`${rows.length} range(s) valid for ${agency.name}; nothing imported (--dry-run)`, {
      agency_id: agency.id,
      valid: rows.length,
      invalid: problems,
      imported: 0,
    });
    return;
  }
  const replaced = await inTransaction(c.pool(), (client) =>
    storeRanges(client, agency.id, rows, !opts.append),
  );
  const { rows: count } = await c
    .pool()
    .query<{ count: string }>(companiesSql.countAgencyRanges, [agency.id]);
  c.out(
    `imported ${rows.length} range(s) for ${agency.name}` +
      (opts.append ? '' : ` (replaced ${replaced})`) +
      `; the agency now has ${count[0]!.count}` +
      (problems.length > 0 ? `; skipped ${problems.length} bad line(s)` : ''),
    {
      agency_id: agency.id,
      imported: rows.length,
      replaced: opts.append ? 0 : replaced,
      total: Number(count[0]!.count),
      invalid: problems,
    },
  );
}

/** The agency's ranges and per-domain facts, written in chunks; returns how many ranges were replaced. */
export async function storeRanges(
  client: Pick<PoolClient, 'query'>,
  agencyId: string,
  rows: readonly RangeRow[],
  replace: boolean,
): Promise<number> {
  let replaced = 0;
  if (replace) {
    replaced = (await client.query(companiesSql.deleteAgencyRanges, [agencyId])).rowCount ?? 0;
    await client.query(companiesSql.deleteAgencyCompanies, [agencyId]);
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await client.query(companiesSql.insertAgencyRanges, [
      agencyId,
      ...columnsOf(part, ['start', 'end', 'name', 'domain', 'industry', 'employeeCount', 'revenue']),
    ]);
  }
  const facts = factsByDomain(rows);
  for (let i = 0; i < facts.length; i += CHUNK) {
    const part = facts.slice(i, i + CHUNK);
    await client.query(companiesSql.upsertAgencyCompanies, [
      agencyId,
      ...columnsOf(part, ['domain', 'name', 'industry', 'employeeCount', 'revenue']),
    ]);
  }
  return replaced;
}

export const registerCompanies = commandGroup('companies', 'company identification data', [
  registerScrubEvents,
  registerImport,
]);
