import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { countryName, fmtDuration, fmtTime } from '../format';
import { useCursorList, useView } from '../queries';
import { addFilter, statsQuery } from '../state';
import { DataTable, type Column } from '../table';
import type { EventRow, SessionRow, Site } from '../types';
import { Async, BackLink, Empty, EmptySite, GeoCredit, Link, MoreButton, Panel } from '../ui';

function sessionColumns(site: Site, keep: string): Column<SessionRow>[] {
  return [
    {
      head: 'Started',
      cell: (s) => (
        <Link to={`/sites/${site.id}/sessions/${encodeURIComponent(s.session_id)}${keep}`}>
          {fmtTime(s.started_at, site.config.timezone)}
        </Link>
      ),
    },
    { head: 'Pages', num: true, cell: (s) => s.page_views },
    { head: 'Duration', cell: (s) => fmtDuration(s.duration) },
    { head: 'Entry → exit', cell: (s) => `${s.entry_page ?? '—'} → ${s.exit_page ?? '—'}` },
    { head: 'Source', cell: (s) => s.referrer_domain ?? s.channel ?? 'direct' },
    {
      head: 'Country',
      cell: (s) =>
        s.country ? (
          <button type="button" className="row-filter" onClick={() => addFilter('country', s.country!)}>
            {countryName(s.country)}
          </button>
        ) : (
          '—'
        ),
    },
    { head: 'Device', cell: (s) => `${s.device_type ?? '—'} ${s.browser ? `· ${s.browser}` : ''}` },
    { head: 'Company', cell: (s) => s.company_name ?? '—' },
  ];
}

export function SessionsPage({ site }: { site: Site }) {
  const { view, keep } = useView(site);
  const q = statsQuery(view, { limit: 50 });
  const { q: list, items } = useCursorList<SessionRow>(
    ['sessions', site.id, q],
    `/v1/sites/${site.id}/sessions?${q}`,
  );
  const empty = view.filters.length ? (
    <Empty>No session matches these filters in this period.</Empty>
  ) : (
    <EmptySite siteId={site.id} what="sessions in this period" />
  );
  return (
    <>
      <h1 className="page-title">Sessions</h1>
      <Panel title="Visits">
        <Async q={list} label="Loading sessions…">
          {() => (
            <>
              <DataTable
                rows={items}
                rowKey={(s) => s.session_id}
                columns={sessionColumns(site, keep)}
                empty={empty}
              />
              <MoreButton q={list} />
            </>
          )}
        </Async>
        <GeoCredit />
      </Panel>
    </>
  );
}

export function SessionPage({ site, sessionId }: { site: Site; sessionId: string }) {
  const { keep } = useView(site);
  const q = useQuery({
    queryKey: ['session', site.id, sessionId],
    queryFn: () =>
      get<{ session_id: string; items: EventRow[] }>(
        `/v1/sites/${site.id}/sessions/${encodeURIComponent(sessionId)}?limit=500`,
      ),
  });
  return (
    <>
      <BackLink to={`/sites/${site.id}/sessions${keep}`}>All sessions</BackLink>
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
