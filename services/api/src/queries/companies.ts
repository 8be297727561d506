import { decodeOffset } from './cursor.js';
import { orderBy } from './dimensions.js';
import { Params } from './params.js';
import { chooseRead, type Read } from './rollups.js';
import { resolveSaved } from './saved.js';
import type { CompaniesQuery, CompanyQuery } from './schemas.js';
import { buildScope } from './scope.js';
import {
  agencyHasMerges as agencyHasMergesSql,
  companyAgencyRanges as companyAgencyRangesSql,
  companyByDomain as companyByDomainSql,
  companyList as companyListSql,
  companyListMerged as companyListMergedSql,
  companyListRollup,
  companyMatchSources as companyMatchSourcesSql,
  companyOverride as companyOverrideSql,
  domainsMergedInto as domainsMergedIntoSql,
  withCompanyOverrides,
} from './statements/companies.js';
import { offsetPage, runStatement, type StatsDeps, type StatsSite } from './stats.js';
import { overview, questionOf, timeseries, twinOf } from './traffic.js';

/** The B2B view: companies that visited a site, and one company's visits and how it was identified. */

export async function companies(deps: StatsDeps, site: StatsSite, q: CompaniesQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const { range, filters, goals } = questionOf(site, q);
  const offset = decodeOffset(q.cursor);
  const ob = orderBy(q.sort, q.order, 'name');
  // The inner list has no score (it is joined after grouping): it is not paged, so its order is moot.
  const innerOb = q.sort === 'score' ? orderBy('visitors', q.order, 'name') : ob;
  const m = new Params();
  // Not through runStatement(): this look-up must not report a source (X-Beacon-Source is the list's).
  const { rows: mergeRows } = await deps.pool.query(agencyHasMergesSql(m.add(site.agencyId)), m.values);
  const merges = Boolean((mergeRows[0] as { merges?: boolean } | undefined)?.merges);
  // An agency's merges are unknown to the rollups: with any, the list reads events.
  const read: Read = merges
    ? { source: 'events' }
    : await chooseRead(deps, site.scriptId, range, filters, { goals, days: 'never' });
  const s = buildScope(site.scriptId, range, filters, { goals });
  // The agency's overrides (not a company, name, industry) apply after grouping, before paging.
  const inner = merges
    ? companyListMergedSql(s, s.p.add(site.agencyId), innerOb, s.p.add(null), s.p.add(0))
    : twinOf(read, s, {
        events: () => companyListSql(s, innerOb, s.p.add(null), s.p.add(0)),
        rollup: () => companyListRollup(s, innerOb, s.p.add(null), s.p.add(0)),
      });
  const text = withCompanyOverrides(inner, s.p.add(site.agencyId), ob, s.p.add(q.limit + 1), s.p.add(offset), {
    site: s.p.add(site.scriptId),
    minScore: s.p.add(q.min_score ?? null),
  });
  const rows = await runStatement(deps, 'companies', text, s.p.values, read.source);
  return offsetPage(rows, q.limit, offset);
}

/** One company's visits over time (by its domain); null when the site saw no event of it in the range. */
export async function company(deps: StatsDeps, site: StatsSite, domain: string, q: CompanyQuery) {
  q = await resolveSaved(deps.pool, site, q);
  // The agency's merges (migration 0120): the domains merged into this one count as this one.
  const mp = new Params();
  const mergedIn = (
    await runStatement<{ domain: string }>(
      deps,
      'company_merged',
      domainsMergedIntoSql(mp.add(site.agencyId), mp.add(domain)),
      mp.values,
    )
  )
    .map((r) => r.domain)
    .filter((d) => typeof d === 'string');
  const domains = [domain, ...mergedIn];
  const series = await timeseries(deps, site, { ...q, company_domain: domains });
  const totals = await overview(deps, site, { ...q, company_domain: domains });
  if (totals.current.events === 0) return null;
  const p = new Params();
  const [facts] = await runStatement(
    deps,
    'company',
    companyByDomainSql(p.add(site.agencyId), p.add(domain)),
    p.values,
  );
  const o = new Params();
  const [override] = await runStatement<{
    not_company: boolean;
    name: string | null;
    industry: string | null;
    employee_count: string | null;
    merge_into: string | null;
  }>(deps, 'company_override', companyOverrideSql(o.add(site.agencyId), o.add(domain)), o.values);
  const merged: Record<string, unknown> = { ...(facts ?? { domain }) };
  // The agency's own override wins over every identified fact (migration 0120).
  for (const k of ['name', 'industry', 'employee_count'] as const) if (override?.[k]) merged[k] = override[k];
  return {
    company: merged,
    override: override ?? null,
    merged_domains: mergedIn,
    match: await companyMatch(deps, site, domain),
    totals: totals.current,
    previous: totals.previous,
    ...series,
  };
}

/**
 * How the site's events of a domain were matched: per source its confidence, ASNs, events and first /
 * last seen, and (for the agency's own ranges) the caller's agency's ranges naming the domain.
 */
async function companyMatch(deps: StatsDeps, site: StatsSite, domain: string) {
  const p = new Params();
  const sources = await runStatement<{ source: string | null }>(
    deps,
    'company_match',
    companyMatchSourcesSql(p.add(site.scriptId), p.add(domain)),
    p.values,
  );
  const r = new Params();
  const ranges = sources.some((x) => x.source === 'agency_ranges')
    ? await runStatement(
        deps,
        'company_ranges',
        companyAgencyRangesSql(r.add(site.agencyId), r.add(domain)),
        r.values,
      )
    : [];
  return { sources, ranges };
}
