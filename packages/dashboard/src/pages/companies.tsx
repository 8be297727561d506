import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, download, get } from '../api';
import { LineChart } from '../chart';
import { fmtDuration, fmtInt, fmtPct, fmtTime } from '../format';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';
import { intervalOf, readView, statsQuery, viewQuery } from '../state';
import type { CompanyDetail, CompanyRow, MatchRates, Page, SessionRow, Site } from '../types';
import { Async, ErrorBox, Link, Panel } from '../ui';
import { LeadScorePanel } from './lead-score-panel';
import { CompanyOverridePanel } from './company-override-panel';

const SORTS = [
  ['visitors', 'Visitors'],
  ['score', 'Lead score'],
  ['page_views', 'Pages seen'],
  ['last_seen', 'Last visit'],
  ['name', 'Name'],
] as const;

export function CompaniesPage({ site }: { site: Site }) {
  const { search } = useLocation();
  const view = readView(search, site.config.timezone);
  const [sort, setSort] = useState<string>('visitors');
  const [exportError, setExportError] = useState<unknown>(null);
  const q = statsQuery(view, { sort, order: sort === 'name' ? 'asc' : 'desc', limit: 100 });
  const data = useQuery({
    queryKey: ['companies', site.id, q],
    queryFn: () => get<Page<CompanyRow>>(`/v1/sites/${site.id}/companies?${q}`),
  });
  const keep = viewQuery(search);
  return (
    <>
      <h1 className="page-title">Companies</h1>
      <Panel
        title="Identified companies"
        actions={
          <div className="actions">
            <label className="inline">
              <span>Sort by</span>
              <select value={sort} onChange={(e) => setSort(e.target.value)}>
                {SORTS.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              onClick={() => {
                setExportError(null);
                download(
                  `/v1/sites/${site.id}/export/companies?${statsQuery(view, { sort: 'visitors', order: 'desc' })}`,
                  `companies-${site.domain}-${view.from}-${view.to}.csv`,
                ).catch(setExportError);
              }}
            >
              Export CSV
            </button>
          </div>
        }
      >
        {exportError != null && <ErrorBox error={exportError} />}
        <Async q={data} label="Loading companies…">
          {(p) =>
            p.items.length === 0 ? (
              <p className="muted">
                No company identified in this period. Companies appear when visitors come from a known
                business network (reverse DNS or an IP-to-company database).
              </p>
            ) : (
              <div className="scroll">
                <table className="data">
                  <thead>
                    <tr>
                      <th scope="col">Company</th>
                      <th scope="col">Industry</th>
                      <th scope="col" className="num">
                        Visitors
                      </th>
                      <th scope="col" className="num">
                        Visits
                      </th>
                      <th scope="col" className="num">
                        Pages seen
                      </th>
                      <th scope="col">Last visit</th>
                      <th scope="col" className="num">
                        Score
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.items.map((c) => (
                      <tr key={`${c.name}|${c.domain}`}>
                        <th scope="row">
                          {c.domain ? (
                            <Link to={`/sites/${site.id}/companies/${encodeURIComponent(c.domain)}${keep}`}>
                              {c.name}
                            </Link>
                          ) : (
                            c.name
                          )}
                          {c.domain && <span className="muted small"> {c.domain}</span>}
                        </th>
                        <td>{c.industry ?? '—'}</td>
                        <td className="num">{fmtInt(c.visitors)}</td>
                        <td className="num">{fmtInt(c.sessions)}</td>
                        <td className="num">{fmtInt(c.page_views)}</td>
                        <td>{fmtTime(c.last_seen, site.config.timezone)}</td>
                        <td className="num">{c.score ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Async>
      </Panel>
      <MatchRatePanel site={site} />
    </>
  );
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
  const { search } = useLocation();
  const view = readView(search, site.config.timezone);
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
              <dl className="facts">
                {CLASSES.map(([k, label]) => {
                  const n = r.items.reduce((sum, b) => sum + b[k], 0);
                  return (
                    <div key={k}>
                      <dt>{label}</dt>
                      <dd data-metric={`match-${k}`}>
                        {total ? fmtPct(n / total) : '—'} <span className="muted small">{fmtInt(n)}</span>
                      </dd>
                    </div>
                  );
                })}
              </dl>
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
      <table className="data">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Matched</th>
            <th scope="col" className="num">
              Confidence
            </th>
            <th scope="col">First seen</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {d.match.sources.map((m) => (
            <tr key={m.source ?? 'none'}>
              <th scope="row">{m.source ? SOURCE_LABELS[m.source] : '—'}</th>
              <td>
                {m.source === 'agency_ranges'
                  ? d.match.ranges.map((r) => `${r.range_start}–${r.range_end}`).join(', ') || '—'
                  : m.asns?.length
                    ? m.asns.map((a) => `AS${a}`).join(', ')
                    : '—'}
              </td>
              <td className="num">{m.confidence == null ? '—' : fmtPct(m.confidence)}</td>
              <td>{fmtTime(m.first_seen, site.config.timezone)}</td>
              <td>{fmtTime(m.last_seen, site.config.timezone)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

export function CompanyPage({ site, domain }: { site: Site; domain: string }) {
  const { search } = useLocation();
  const view = readView(search, site.config.timezone);
  const keep = viewQuery(search);
  const q = statsQuery(view, { interval: intervalOf(view) });
  const detail = useQuery({
    queryKey: ['company', site.id, domain, q],
    queryFn: () => get<CompanyDetail>(`/v1/sites/${site.id}/companies/${encodeURIComponent(domain)}?${q}`),
  });
  const sq = statsQuery(view, { company_domain: domain, limit: 100 });
  const sessions = useQuery({
    queryKey: ['sessions', site.id, sq],
    queryFn: () => get<Page<SessionRow>>(`/v1/sites/${site.id}/sessions?${sq}`),
  });
  return (
    <>
      <p>
        <Link to={`/sites/${site.id}/companies${keep}`}>← All companies</Link>
      </p>
      <Async q={detail} label="Loading company…">
        {(d) => (
          <>
            <h1 className="page-title">
              {d.company.name ?? domain} <span className="muted">{d.company.domain}</span>
            </h1>
            <dl className="facts">
              <div>
                <dt>Industry</dt>
                <dd>{d.company.industry ?? '—'}</dd>
              </div>
              <div>
                <dt>Size</dt>
                <dd>{d.company.employee_count ? `${d.company.employee_count} employees` : '—'}</dd>
              </div>
              <div>
                <dt>Visitors</dt>
                <dd data-metric="company-visitors">{fmtInt(d.totals.visitors)}</dd>
              </div>
              <div>
                <dt>Visits</dt>
                <dd>{fmtInt(d.totals.sessions)}</dd>
              </div>
              <div>
                <dt>Pages seen</dt>
                <dd>{fmtInt(d.totals.page_views)}</dd>
              </div>
            </dl>
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
      <Panel title="Timeline">
        <Async q={sessions} label="Loading visits…">
          {(p) =>
            p.items.length === 0 ? (
              <p className="muted">No visit in this period.</p>
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
    </>
  );
}
