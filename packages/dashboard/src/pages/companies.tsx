import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { download, get } from '../api';
import { LineChart } from '../chart';
import { fmtDuration, fmtInt, fmtTime } from '../format';
import { useLocation } from '../router';
import { intervalOf, readView, statsQuery, viewQuery } from '../state';
import type { CompanyDetail, CompanyRow, Page, SessionRow, Site } from '../types';
import { Async, ErrorBox, Link, Panel } from '../ui';

const SORTS = [
  ['visitors', 'Visitors'],
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
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Async>
      </Panel>
    </>
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
