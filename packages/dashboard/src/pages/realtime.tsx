import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { countryName, fmtClock, fmtInt } from '../format';
import { useView } from '../queries';
import { today } from '../state';
import { ItemsTable, type Column } from '../table';
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

/** The live counters of the last 5 and 30 minutes (GET /stats/realtime). */
const FIGURES: [keyof Realtime & string, string][] = [
  ['visitors_5m', 'Visitors now (5 min)'],
  ['visitors_30m', 'Visitors, last 30 min'],
  ['page_views_30m', 'Page views, last 30 min'],
  ['events_30m', 'Events, last 30 min'],
];

export function RealtimePage({ site }: { site: Site }) {
  const { view } = useView(site);
  const filters = new URLSearchParams(view.filters);
  const rt = useQuery({
    queryKey: ['realtime', site.id, filters.toString()],
    queryFn: () => get<Realtime>(`/v1/sites/${site.id}/stats/realtime?${filters}`),
    refetchInterval: POLL_MS,
    refetchIntervalInBackground: false,
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
              {FIGURES.map(([k, label]) => (
                <li key={k} className="figure" data-metric={k}>
                  <span className="label">{label}</span>
                  <span className="value">{fmtInt(r[k])}</span>
                </li>
              ))}
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
      <LatestEvents site={site} filters={filters} />
    </>
  );
}

/**
 * The events of the last 30 minutes, newest first. The API is asked for days (yesterday and today, so a
 * window across midnight is whole) and the last 30 minutes are kept here. (Instant bounds would be
 * exact, but the API answers them with a 500 today.)
 */
async function recentEvents(site: Site, filters: URLSearchParams): Promise<Page<EventRow>> {
  const q = new URLSearchParams(filters);
  const day = today(site.config.timezone);
  q.set('from', new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
  q.set('to', day);
  q.set('limit', '50');
  const since = Date.now() - 30 * 60_000;
  const page = await get<Page<EventRow>>(`/v1/sites/${site.id}/stats/events?${q}`);
  // The tracker's internal events (engagement, identify) are measurements, not things visitors did.
  const items = page.items.filter(
    (e) => Date.parse(e.server_timestamp) >= since && !INTERNAL_EVENTS.includes(e.event_name),
  );
  return { ...page, items: items.slice(0, 25) };
}

function LatestEvents({ site, filters }: { site: Site; filters: URLSearchParams }) {
  const tz = site.config.timezone;
  const recent = useQuery({
    queryKey: ['recent', site.id, filters.toString()],
    queryFn: () => recentEvents(site, filters),
    refetchInterval: POLL_MS,
  });
  const columns: Column<EventRow>[] = [
    {
      head: `Time (${tz})`,
      cell: (e) => <time dateTime={e.server_timestamp}>{fmtClock(e.server_timestamp, tz)}</time>,
    },
    {
      head: 'Visitor',
      cell: (e) => <code title={e.client_id ?? undefined}>{visitorLabel(e.client_id)}</code>,
    },
    { head: 'Event', cell: (e) => e.event_name },
    { head: 'Page', cell: (e) => e.page_path ?? '—' },
    { head: 'Source', cell: sourceOf },
    { head: 'Country', cell: (e) => (e.country ? countryName(e.country) : '—') },
    { head: 'Company', cell: (e) => e.company_name ?? '—' },
  ];
  return (
    <Panel title="Latest events">
      <ItemsTable
        q={recent}
        columns={columns}
        empty={<EmptySite siteId={site.id} what="events in the last 30 minutes" />}
      />
      <GeoCredit />
    </Panel>
  );
}
