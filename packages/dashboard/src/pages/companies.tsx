import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { ExportCsvButton, useDownload } from '../download';
import { LineChart } from '../chart';
import { fmtDuration, fmtInt, fmtPct, fmtTime } from '../format';
import { SelectField } from '../form';
import { useView } from '../queries';
import { navigate } from '../router';
import { useSession } from '../session';
import { intervalOf, statsQuery } from '../state';
import { DataTable, type Column } from '../table';
import type { CompanyDetail, CompanyRow, MatchRates, Page, SessionRow, Site } from '../types';
import { Async, BackLink, Empty, ErrorBox, Facts, Link, Panel } from '../ui';
import { CompanyOverridePanel } from './company-override-panel';
import { LeadScorePanel } from './lead-score-panel';

const SORTS = [
  ['visitors', 'Visitors'],
  ['score', 'Lead score'],
  ['page_views', 'Pages seen'],
  ['last_seen', 'Last visit'],
  ['name', 'Name'],
] as const;

export function CompaniesPage({ site }: { site: Site }) {
  const { view, keep } = useView(site);
  const [sort, setSort] = useState<string>('visitors');
  const csv = useDownload();
  const q = statsQuery(view, { sort, order: sort === 'name' ? 'asc' : 'desc', limit: 100 });
  const data = useQuery({
    queryKey: ['companies', site.id, q],
    queryFn: () => get<Page<CompanyRow>>(`/v1/sites/${site.id}/companies?${q}`),
  });
  const exportCsv = () =>
    csv.start(
      `/v1/sites/${site.id}/export/companies?${statsQuery(view, { sort: 'visitors', order: 'desc' })}`,
      `companies-${site.domain}-${view.from}-${view.to}.csv`,
    );
  const actions = (
    <div className="actions">
      <SelectField label="Sort by" className="inline" value={sort} onValue={setSort} options={SORTS} />
      <ExportCsvButton onClick={exportCsv} />
    </div>
  );
  return (
    <>
      <h1 className="page-title">Companies</h1>
      <Panel title="Identified companies" actions={actions}>
        {csv.error != null && <ErrorBox error={csv.error} />}
        <Async q={data} label="Loading companies…">
          {(p) => (
            <DataTable
              rows={p.items}
              rowKey={(c) => `${c.name}|${c.domain}`}
              columns={companyColumns(site, keep)}
              empty={
                <Empty>
                  No company identified in this period. Companies appear when visitors come from a known
                  business network (reverse DNS or an IP-to-company database).
                </Empty>
              }
            />
          )}
        </Async>
      </Panel>
      <MatchRatePanel site={site} />
    </>
  );
}

function companyColumns(site: Site, keep: string): Column<CompanyRow>[] {
  return [
    {
      head: 'Company',
      rowHeader: true,
      cell: (c) => (
        <>
          {c.domain ? (
            <Link to={`/sites/${site.id}/companies/${encodeURIComponent(c.domain)}${keep}`}>{c.name}</Link>
          ) : (
            c.name
          )}
          {c.domain && <span className="muted small"> {c.domain}</span>}
        </>
      ),
    },
    { head: 'Industry', cell: (c) => c.industry ?? '—' },
    { head: 'Visitors', num: true, cell: (c) => fmtInt(c.visitors) },
    { head: 'Visits', num: true, cell: (c) => fmtInt(c.sessions) },
    { head: 'Pages seen', num: true, cell: (c) => fmtInt(c.page_views) },
    { head: 'Last visit', cell: (c) => fmtTime(c.last_seen, site.config.timezone) },
    { head: 'Score', num: true, cell: (c) => c.score ?? '—' },
  ];
}

const CLASSES = [
  ['company', 'Company'],
  ['isp_residential', 'ISP / residential'],
  ['hosting_vpn', 'Hosting / VPN'],
  ['bot', 'Bot'],
  ['unknown', 'Unknown'],
] as const;

/** Share of sessions by how the visitor was identified (GET /stats/match-rates), over the period. */
function MatchRatePanel({ site }: { site: Site }) {
  const { view } = useView(site);
  const q = new URLSearchParams({ from: view.from, to: view.to, interval: intervalOf(view) }).toString();
  const rates = useQuery({
    queryKey: ['match-rates', site.id, q],
    queryFn: () => get<MatchRates>(`/v1/sites/${site.id}/stats/match-rates?${q}`),
  });
  return (
    <Panel title="Match rates">
      <Async q={rates} label="Loading match rates…">
        {(r) => {
          const total = r.items.reduce((n, b) => n + b.sessions, 0);
          return (
            <>
              <Facts
                items={CLASSES.map(([k, label]) => {
                  const n = r.items.reduce((sum, b) => sum + b[k], 0);
                  const share = total ? fmtPct(n / total) : '—';
                  const value = (
                    <>
                      {share} <span className="muted small">{fmtInt(n)}</span>
                    </>
                  );
                  return { label, value, metric: `match-${k}` };
                })}
              />
              <LineChart
                x={r.items.map((b) => Date.parse(b.start) / 1000)}
                series={CLASSES.map(([k, label]) => ({ label, values: r.items.map((b) => b[k]) }))}
                label="Sessions by match class"
                tz={r.tz}
                interval={r.interval}
                height={180}
              />
            </>
          );
        }}
      </Async>
    </Panel>
  );
}

const SOURCE_LABELS = {
  agency_ranges: "Your agency's IP ranges",
  maxmind: 'Operator company database',
  asn: 'ASN organisation',
} as const;

type MatchSource = CompanyDetail['match']['sources'][number];

/** What matched: the agency's IP ranges, else the network's AS numbers. */
function matchedBy(m: MatchSource, d: CompanyDetail): string {
  if (m.source === 'agency_ranges')
    return d.match.ranges.map((r) => `${r.range_start}–${r.range_end}`).join(', ') || '—';
  return m.asns?.length ? m.asns.map((a) => `AS${a}`).join(', ') : '—';
}

/** How the company was matched, and the agency's "not a company" override (writers only). */
function MatchPanel({ site, domain, d }: { site: Site; domain: string; d: CompanyDetail }) {
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const notCompany = useMutation({
    mutationFn: () => api('PUT', '/v1/company-overrides', { domain, not_company: true }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['companies', site.id] });
      navigate(`/sites/${site.id}/companies`);
    },
  });
  return (
    <Panel
      title="How it was matched"
      actions={
        canWrite && !d.override?.not_company ? (
          <button type="button" onClick={() => notCompany.mutate()} disabled={notCompany.isPending}>
            Not a company (ISP)
          </button>
        ) : undefined
      }
    >
      {notCompany.error != null && <ErrorBox error={notCompany.error} />}
      {d.override?.not_company && (
        <p className="muted">Your agency marked this domain as not a company: it is hidden from the lists.</p>
      )}
      <DataTable
        scroll={false}
        rows={d.match.sources}
        rowKey={(m) => m.source ?? 'none'}
        columns={[
          { head: 'Source', rowHeader: true, cell: (m) => (m.source ? SOURCE_LABELS[m.source] : '—') },
          { head: 'Matched', cell: (m) => matchedBy(m, d) },
          { head: 'Confidence', num: true, cell: (m) => (m.confidence == null ? '—' : fmtPct(m.confidence)) },
          { head: 'First seen', cell: (m) => fmtTime(m.first_seen, site.config.timezone) },
          { head: 'Last seen', cell: (m) => fmtTime(m.last_seen, site.config.timezone) },
        ]}
      />
    </Panel>
  );
}

export function CompanyPage({ site, domain }: { site: Site; domain: string }) {
  const { view, keep } = useView(site);
  const q = statsQuery(view, { interval: intervalOf(view) });
  const detail = useQuery({
    queryKey: ['company', site.id, domain, q],
    queryFn: () => get<CompanyDetail>(`/v1/sites/${site.id}/companies/${encodeURIComponent(domain)}?${q}`),
  });
  return (
    <>
      <BackLink to={`/sites/${site.id}/companies${keep}`}>All companies</BackLink>
      <Async q={detail} label="Loading company…">
        {(d) => (
          <>
            <h1 className="page-title">
              {d.company.name ?? domain} <span className="muted">{d.company.domain}</span>
            </h1>
            <CompanyFacts d={d} />
            <Panel title="Activity">
              <LineChart
                x={d.items.map((b) => Date.parse(b.start) / 1000)}
                series={[{ label: 'Page views', values: d.items.map((b) => b.page_views) }]}
                label="Page views"
                tz={d.tz}
                interval={d.interval}
                height={180}
              />
            </Panel>
            <LeadScorePanel siteId={site.id} domain={domain} />
            <CompanyOverridePanel site={site} domain={domain} d={d} />
            <MatchPanel site={site} domain={domain} d={d} />
          </>
        )}
      </Async>
      <TimelinePanel site={site} domain={domain} />
    </>
  );
}

function CompanyFacts({ d }: { d: CompanyDetail }) {
  return (
    <Facts
      items={[
        { label: 'Industry', value: d.company.industry ?? '—' },
        { label: 'Size', value: d.company.employee_count ? `${d.company.employee_count} employees` : '—' },
        { label: 'Visitors', value: fmtInt(d.totals.visitors), metric: 'company-visitors' },
        { label: 'Visits', value: fmtInt(d.totals.sessions) },
        { label: 'Pages seen', value: fmtInt(d.totals.page_views) },
      ]}
    />
  );
}

/** The company's visits in the period, newest first, each linking to its path. */
function TimelinePanel({ site, domain }: { site: Site; domain: string }) {
  const { view, keep } = useView(site);
  const sq = statsQuery(view, { company_domain: domain, limit: 100 });
  const sessions = useQuery({
    queryKey: ['sessions', site.id, sq],
    queryFn: () => get<Page<SessionRow>>(`/v1/sites/${site.id}/sessions?${sq}`),
  });
  return (
    <Panel title="Timeline">
      <Async q={sessions} label="Loading visits…">
        {(p) =>
          p.items.length === 0 ? (
            <Empty>No visit in this period.</Empty>
          ) : (
            <ol className="timeline">
              {p.items.map((s) => (
                <li key={s.session_id}>
                  <time dateTime={s.started_at}>{fmtTime(s.started_at, site.config.timezone)}</time>{' '}
                  <Link to={`/sites/${site.id}/sessions/${encodeURIComponent(s.session_id)}${keep}`}>
                    {s.page_views} page{s.page_views === 1 ? '' : 's'}, {fmtDuration(s.duration)}
                  </Link>{' '}
                  <span className="muted">
                    {s.entry_page ?? '—'} → {s.exit_page ?? '—'}
                    {s.referrer_domain ? ` · from ${s.referrer_domain}` : ''}
                  </span>
                </li>
              ))}
            </ol>
          )
        }
      </Async>
    </Panel>
  );
}
