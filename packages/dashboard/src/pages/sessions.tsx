import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { countryName, fmtDuration, fmtTime } from '../format';
import { useLocation } from '../router';
import { addFilter, readView, statsQuery, viewQuery } from '../state';
import type { EventRow, Page, SessionRow, Site } from '../types';
import { Async, EmptySite, GeoCredit, Link, Panel } from '../ui';

export function SessionsPage({ site }: { site: Site }) {
  const { search } = useLocation();
  const view = readView(search, site.config.timezone);
  const keep = viewQuery(search);
  const q = statsQuery(view, { limit: 50 });
  const list = useInfiniteQuery({
    queryKey: ['sessions', site.id, q],
    queryFn: ({ pageParam }) =>
      get<Page<SessionRow>>(
        `/v1/sites/${site.id}/sessions?${q}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <h1 className="page-title">Sessions</h1>
      <Panel title="Visits">
        <Async q={list} label="Loading sessions…">
          {() =>
            rows.length === 0 ? (
              view.filters.length ? (
                <p className="muted">No session matches these filters in this period.</p>
              ) : (
                <EmptySite siteId={site.id} what="sessions in this period" />
              )
            ) : (
              <>
                <div className="scroll">
                  <table className="data">
                    <thead>
                      <tr>
                        <th scope="col">Started</th>
                        <th scope="col">Pages</th>
                        <th scope="col">Duration</th>
                        <th scope="col">Entry → exit</th>
                        <th scope="col">Source</th>
                        <th scope="col">Country</th>
                        <th scope="col">Device</th>
                        <th scope="col">Company</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((s) => (
                        <tr key={s.session_id}>
                          <td>
                            <Link
                              to={`/sites/${site.id}/sessions/${encodeURIComponent(s.session_id)}${keep}`}
                            >
                              {fmtTime(s.started_at, site.config.timezone)}
                            </Link>
                          </td>
                          <td className="num">{s.page_views}</td>
                          <td>{fmtDuration(s.duration)}</td>
                          <td>
                            {s.entry_page ?? '—'} → {s.exit_page ?? '—'}
                          </td>
                          <td>{s.referrer_domain ?? s.channel ?? 'direct'}</td>
                          <td>
                            {s.country ? (
                              <button
                                type="button"
                                className="row-filter"
                                onClick={() => addFilter('country', s.country!)}
                              >
                                {countryName(s.country)}
                              </button>
                            ) : (
                              '—'
                            )}
                          </td>
                          <td>
                            {s.device_type ?? '—'} {s.browser ? `· ${s.browser}` : ''}
                          </td>
                          <td>{s.company_name ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {list.hasNextPage && (
                  <button
                    type="button"
                    onClick={() => void list.fetchNextPage()}
                    disabled={list.isFetchingNextPage}
                  >
                    {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
                  </button>
                )}
              </>
            )
          }
        </Async>
        <GeoCredit />
      </Panel>
    </>
  );
}

export function SessionPage({ site, sessionId }: { site: Site; sessionId: string }) {
  const { search } = useLocation();
  const keep = viewQuery(search);
  const q = useQuery({
    queryKey: ['session', site.id, sessionId],
    queryFn: () =>
      get<{ session_id: string; items: EventRow[] }>(
        `/v1/sites/${site.id}/sessions/${encodeURIComponent(sessionId)}?limit=500`,
      ),
  });
  return (
    <>
      <p>
        <Link to={`/sites/${site.id}/sessions${keep}`}>← All sessions</Link>
      </p>
      <h1 className="page-title">Session path</h1>
      <Panel title="Events in order">
        <Async q={q} label="Loading the session…">
          {(s) => {
            const t0 = s.items[0] ? Date.parse(s.items[0].server_timestamp) : 0;
            const first = s.items[0];
            return (
              <>
                {first && (
                  <p className="muted">
                    {fmtTime(first.server_timestamp, site.config.timezone)} · {countryName(first.country)} ·{' '}
                    {first.device_type ?? '—'} {first.browser ?? ''}{' '}
                    {first.referrer_domain ? `· from ${first.referrer_domain}` : ''}
                    {first.company_name ? ` · ${first.company_name}` : ''}
                  </p>
                )}
                <ol className="path">
                  {s.items.map((e) => (
                    <li key={e.id} className={e.event_name === 'page_view' ? 'pv' : 'ev'}>
                      <span className="at">+{fmtDuration((Date.parse(e.server_timestamp) - t0) / 1000)}</span>{' '}
                      {e.event_name === 'page_view' ? (
                        <strong>{e.page_path ?? '—'}</strong>
                      ) : (
                        <>
                          <span className="tag">{e.event_name}</span>{' '}
                          <span className="muted">{e.page_path}</span>
                        </>
                      )}
                      {e.page_title && <span className="muted small"> {e.page_title}</span>}
                    </li>
                  ))}
                </ol>
              </>
            );
          }}
        </Async>
      </Panel>
    </>
  );
}
