import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { countryName, fmtClock, fmtInt } from '../format';
import { useLocation } from '../router';
import { readView, today } from '../state';
import type { EventRow, Page, Realtime, Site } from '../types';
import { Async, EmptySite, GeoCredit, Panel } from '../ui';

const INTERNAL_EVENTS = ['engagement', 'identify'];

/** A short, stable name for a visitor: the first characters of its client id. */
const visitorLabel = (id: string | null) => (id ? id.slice(0, 8) : '—');

/** Where the visit came from: the campaign source, else the referrer, else direct. */
function sourceOf(e: EventRow): string {
  return (
    e.utm_source ?? e.referrer_domain ?? (e.channel && e.channel !== 'direct' ? e.channel : 'Direct / none')
  );
}

/** Polling period: cheap (one indexed query on the last 30 minutes) and near enough to live. */
const POLL_MS = 5_000;

export function RealtimePage({ site }: { site: Site }) {
  const { search } = useLocation();
  const view = readView(search, site.config.timezone);
  const filters = new URLSearchParams(view.filters);
  const base = `/v1/sites/${site.id}`;
  const rt = useQuery({
    queryKey: ['realtime', site.id, filters.toString()],
    queryFn: () => get<Realtime>(`${base}/stats/realtime?${filters}`),
    refetchInterval: POLL_MS,
    refetchIntervalInBackground: false,
  });
  const recent = useQuery({
    queryKey: ['recent', site.id, filters.toString()],
    queryFn: async () => {
      // Days (yesterday and today, so a window across midnight is whole), newest first, then the last
      // 30 minutes kept here. (Instant bounds would be exact, but the API answers them with a 500 today.)
      const q = new URLSearchParams(filters);
      const day = today(site.config.timezone);
      q.set('from', new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
      q.set('to', day);
      q.set('limit', '50');
      const since = Date.now() - 30 * 60_000;
      const page = await get<Page<EventRow>>(`${base}/stats/events?${q}`);
      // The tracker's internal events (engagement, identify) are measurements, not things visitors did.
      const items = page.items.filter(
        (e) => Date.parse(e.server_timestamp) >= since && !INTERNAL_EVENTS.includes(e.event_name),
      );
      return { ...page, items: items.slice(0, 25) };
    },
    refetchInterval: POLL_MS,
  });
  return (
    <>
      <h1 className="page-title">
        Realtime <span className="live" aria-hidden="true" />
        <span className="muted small">updates every {POLL_MS / 1000} s</span>
      </h1>
      <Async q={rt}>
        {(r) => (
          <>
            <ul className="figures" aria-label="Realtime figures" aria-live="polite">
              <li className="figure" data-metric="visitors_5m">
                <span className="label">Visitors now (5 min)</span>
                <span className="value">{fmtInt(r.visitors_5m)}</span>
              </li>
              <li className="figure" data-metric="visitors_30m">
                <span className="label">Visitors, last 30 min</span>
                <span className="value">{fmtInt(r.visitors_30m)}</span>
              </li>
              <li className="figure" data-metric="page_views_30m">
                <span className="label">Page views, last 30 min</span>
                <span className="value">{fmtInt(r.page_views_30m)}</span>
              </li>
              <li className="figure" data-metric="events_30m">
                <span className="label">Events, last 30 min</span>
                <span className="value">{fmtInt(r.events_30m)}</span>
              </li>
            </ul>
            {r.events_30m === 0 && site.status === 'active' && view.filters.length === 0 && (
              <p className="muted">
                Nobody in the last 30 minutes. If this site never received a visit, check that the snippet
                below is on its pages.
              </p>
            )}
          </>
        )}
      </Async>
      <Panel title="Latest events">
        <Async q={recent}>
          {(p) =>
            p.items.length === 0 ? (
              <EmptySite siteId={site.id} what="events in the last 30 minutes" />
            ) : (
              <div className="scroll">
                <table className="data">
                  <thead>
                    <tr>
                      <th scope="col">Time ({site.config.timezone})</th>
                      <th scope="col">Visitor</th>
                      <th scope="col">Event</th>
                      <th scope="col">Page</th>
                      <th scope="col">Source</th>
                      <th scope="col">Country</th>
                      <th scope="col">Company</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.items.map((e) => (
                      <tr key={e.id}>
                        <td>
                          <time dateTime={e.server_timestamp}>
                            {fmtClock(e.server_timestamp, site.config.timezone)}
                          </time>
                        </td>
                        <td>
                          <code title={e.client_id ?? undefined}>{visitorLabel(e.client_id)}</code>
                        </td>
                        <td>{e.event_name}</td>
                        <td>{e.page_path ?? '—'}</td>
                        <td>{sourceOf(e)}</td>
                        <td>{e.country ? countryName(e.country) : '—'}</td>
                        <td>{e.company_name ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Async>
        <GeoCredit />
      </Panel>
    </>
  );
}
