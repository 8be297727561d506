import type { Config } from '@beacon/config';
import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import { CompanyDirectory, companiesOfRows, type JobCompany } from './companies-directory.js';
import { WatchedFile, type SourceStatus } from '../network/watched.js';
import { CompanyDb, type CompanyLookup } from './company-db.js';
import { AgencyRangeStore } from './company-ranges.js';
import { ReferrerLists } from './referrer-lists.js';
import type { AttributionDeps } from './steps.js';

let defaultLists: ReferrerLists | null = null;

/** Matomo's lists, loaded once per process (about 1 ms; shared by every worker of the process). */
export function referrerLists(): ReferrerLists {
  return (defaultLists ??= ReferrerLists.load());
}

/** Deps without databases: referrer lists only (company identification from network data alone). */
export function defaultAttributionDeps(): AttributionDeps {
  return { referrers: referrerLists(), agencyRanges: null, companyDb: null };
}

export type CompanyRowLike = Parameters<typeof companiesOfRows>[0][number];

/** What the worker holds for attribution: the step deps plus the per-job company completion. */
export interface AttributionRuntime {
  readonly deps: AttributionDeps;
  readonly directory: CompanyDirectory;
  /**
   * Per job, after the steps: lists EnrichedJob.companies for the writer (neutral entries, and entries
   * owned by the agency whose ranges identified them), then completes company_industry/employee_count/
   * revenue from the agency's own facts and the neutral `companies` table (companies-directory.ts).
   * `agencyBySite`: script_id -> agency id of the job's sites; a row of a site not in it gets neutral
   * facts only and lists no agency-owned entry.
   */
  completeJob(
    rows: readonly CompanyRowLike[],
    agencyBySite?: ReadonlyMap<string, string>,
  ): Promise<JobCompany[]>;
  /** /readyz detail: agencies with ranges loaded, and the company database's state. */
  status(): { agencyRangeAgencies: number; companyDb: SourceStatus };
  close(): void;
}

/**
 * Starts the attribution data: agency IP ranges (loaded now, polled every COMPANY_RANGES_RELOAD_SECONDS),
 * the optional company database (COMPANY_MMDB_PATH, reopened when the file changes, polled every
 * `watchIntervalMs` like the network databases), the `companies` directory cache. A company database
 * that cannot be opened is logged and left out (source skipped) until a good file appears.
 */
export async function startAttribution(
  cfg: Config['attribution'],
  pool: Pool,
  logger: Logger,
  onCompaniesCache?: (result: 'hit' | 'miss') => void,
  opts: { watchIntervalMs?: number } = {},
): Promise<AttributionRuntime> {
  // Made before the range store: a reload of an agency's ranges drops that agency's cached facts.
  const directory = new CompanyDirectory(pool, {
    ttlMs: cfg.companyCacheTtlSeconds * 1000,
    onCache: onCompaniesCache,
  });
  const agencyRanges = new AgencyRangeStore(pool, {
    reloadMs: cfg.companyRangesReloadSeconds * 1000,
    onLoad: (i) => {
      directory.forgetAgency(i.agencyId);
      logger.info(i, 'agency company ranges loaded');
    },
    onError: (err) => logger.warn({ err }, 'agency company ranges: reload failed; keeping the loaded ones'),
  });
  await agencyRanges.start();
  const companyFile = new WatchedFile(
    'company_db',
    cfg.companyMmdbPath || null,
    (p) => CompanyDb.fromFile(p),
    {
      logger,
      intervalMs: opts.watchIntervalMs ?? 30_000,
      describe: (db) => ({ databaseType: db.databaseType }),
    },
  );
  const companyStatus = companyFile.describe();
  if (companyStatus.state === 'loaded') logger.info(companyStatus, 'company database loaded');
  else if (companyStatus.state !== 'not_configured')
    logger.warn(companyStatus, 'company database unavailable: source skipped');
  // The step holds this handle; a reload swaps the reader behind it.
  const companyDb: CompanyLookup | null = cfg.companyMmdbPath
    ? { lookup: (ip) => companyFile.value?.lookup(ip) ?? null }
    : null;
  const deps: AttributionDeps = { referrers: referrerLists(), agencyRanges, companyDb };
  return {
    deps,
    directory,
    async completeJob(rows, agencyBySite) {
      const agencyOf = (r: CompanyRowLike) =>
        typeof r.site_id === 'string' ? agencyBySite?.get(r.site_id) : undefined;
      const companies = companiesOfRows(rows, agencyOf);
      await directory.complete(rows, agencyOf);
      return companies;
    },
    status: () => ({
      agencyRangeAgencies: agencyRanges.agencies,
      companyDb: companyFile.describe(),
    }),
    close() {
      agencyRanges.close();
      companyFile.close();
    },
  };
}
