import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState, type ReactNode } from 'react';
import { get } from '../api';
import { useDownload } from '../download';
import { LineChart, type Series } from '../chart';
import { countryName, fmtChange, fmtDuration, fmtInt, fmtPct } from '../format';
import { SelectField } from '../form';
import { useGoals, useView } from '../queries';
import { addFilter, intervalOf, previousPeriod, statsQuery, updateView, type View } from '../state';
import { barWidth, DataTable, type Column } from '../table';
import type { Breakdown, EventPropertyRow, Overview, Page, PeriodTotals, Site, TimeSeries } from '../types';
import { Async, EmptySite, ErrorBox, GeoCredit, Panel } from '../ui';

// The map's shapes (~35 KB gzipped) load after the first paint, not with the app.
const CountryMap = lazy(() => import('../country-map'));

const FIGURES: {
  key: keyof PeriodTotals;
  label: string;
  fmt: (n: number | null) => string;
  lowerIsBetter?: boolean;
}[] = [
  { key: 'visitors', label: 'Visitors', fmt: fmtInt },
  { key: 'sessions', label: 'Sessions', fmt: fmtInt },
  { key: 'page_views', label: 'Page views', fmt: fmtInt },
  { key: 'bounce_rate', label: 'Bounce rate', fmt: fmtPct, lowerIsBetter: true },
  { key: 'avg_session_duration', label: 'Visit duration', fmt: fmtDuration },
  { key: 'events', label: 'Events', fmt: fmtInt },
];

/** The breakdown panels of the overview: a title and its tabs (API dimension, label). */
const PANELS: { title: string; tabs: [string, string][] }[] = [
  {
    title: 'Pages',
    tabs: [
      ['pages', 'Top pages'],
      ['entry_pages', 'Entry pages'],
      ['exit_pages', 'Exit pages'],
    ],
  },
  {
    title: 'Sources',
    tabs: [
      ['referrers', 'Referrers'],
      ['channels', 'Channels'],
    ],
  },
  {
    title: 'Campaigns',
    tabs: [
      ['utm_campaigns', 'UTM campaigns'],
      ['utm_sources', 'Sources'],
      ['utm_mediums', 'Mediums'],
    ],
  },
  {
    title: 'Locations',
    tabs: [
      ['countries', 'Countries'],
      ['cities', 'Cities'],
    ],
  },
  {
    title: 'Devices',
    tabs: [
      ['devices', 'Devices'],
      ['browsers', 'Browsers'],
      ['os', 'OS'],
    ],
  },
  {
    title: 'Events',
    tabs: [
      ['events', 'Custom events'],
      ['properties', 'Properties'],
      ['companies', 'Companies'],
    ],
  },
];

/**
 * `shared`: a read-only shared dashboard (share link), which may read only the dashboard's figures;
 * `csv`: the breakdown panels offer their CSV (a share link that allows it).
 */
export function OverviewPage({
  site,
  shared = false,
  csv = false,
}: {
  site: Site;
  shared?: boolean;
  csv?: boolean;
}) {
  const { view, search } = useView(site);
  const q = statsQuery(view);
  const overview = useQuery({
    queryKey: ['overview', site.id, q],
    queryFn: () => get<Overview>(`/v1/sites/${site.id}/stats/overview?${q}`),
  });
  const o = overview.data;
  // The headline figures first: on a big site every statistic scans the range, and on a small server
  // eight at once make the first one wait for all the others. The chart and panels follow.
  const ready = !!overview.data || !!overview.error;
  const empty = o && o.current.events === 0 && o.previous.events === 0 && view.filters.length === 0;
  // The goal whose conversion rate the breakdown panels show (URL `conversion_goal`; not a filter).
  const conversionGoal = search.get('conversion_goal');
  const map = (
    <>
      <Suspense fallback={null}>
        <CountryMap site={site} view={view} ready={ready} />
      </Suspense>
      <GeoCredit />
    </>
  );
  return (
    <>
      <h1 className="page-title">
        {site.name} <span className="muted">{site.domain}</span>
      </h1>
      {!shared && <ConversionGoalPicker site={site} value={conversionGoal} />}
      <Async q={overview} label="Loading figures…">
        {(o) => <Figures o={o} />}
      </Async>
      {empty ? (
        <EmptySite siteId={site.id} what="visits in this period" snippet={!shared} />
      ) : (
        <>
          <Chart site={site} view={view} ready={ready} />
          <div className="grid">
            {PANELS.map((p) => (
              <BreakdownPanel
                key={p.title}
                site={site}
                view={view}
                ready={ready}
                conversionGoal={conversionGoal}
                title={p.title}
                tabs={p.tabs}
                csv={csv}
                {...(p.title === 'Locations' ? { footer: map } : {})}
              />
            ))}
          </div>
        </>
      )}
    </>
  );
}

function Figures({ o }: { o: Overview }) {
  return (
    <ul className="figures" aria-label="Headline figures">
      {FIGURES.map((f) => {
        const cur = o.current[f.key];
        const change = o.change[f.key];
        const good =
          change == null || change === 0 ? 'flat' : change > 0 !== !!f.lowerIsBetter ? 'up' : 'down';
        return (
          <li key={f.key} className="figure" data-metric={f.key}>
            <span className="label">{f.label}</span>
            <span className="value">{f.fmt(cur)}</span>
            <span className={`change ${good}`} title={`Previous period: ${f.fmt(o.previous[f.key])}`}>
              {fmtChange(change, cur ?? 0)} <span className="sr-only">versus the previous period</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

type Metric = 'visitors' | 'page_views' | 'sessions';

function Chart({ site, view, ready }: { site: Site; view: View; ready: boolean }) {
  const [metric, setMetric] = useState<Metric>('visitors');
  const base = `/v1/sites/${site.id}/stats/timeseries`;
  const interval = intervalOf(view);
  const q = statsQuery(view, { interval });
  const prev = previousPeriod(view);
  const pq = statsQuery(view, { interval }, prev);
  const cur = useQuery({
    queryKey: ['ts', site.id, q],
    queryFn: () => get<TimeSeries>(`${base}?${q}`),
    enabled: ready,
  });
  const old = useQuery({
    queryKey: ['ts', site.id, pq],
    queryFn: () => get<TimeSeries>(`${base}?${pq}`),
    enabled: ready && view.compare,
  });
  const data = useMemo(() => {
    if (!cur.data) return null;
    const x = cur.data.items.map((b) => Date.parse(b.start) / 1000);
    // Buckets that have not begun yet (the rest of today) are gaps, not zeros.
    const now = Date.now() / 1000;
    const series: Series[] = [
      { label: labelOf(metric), values: cur.data.items.map((b, i) => (x[i]! > now ? null : b[metric])) },
    ];
    if (view.compare && old.data)
      series.push({
        label: `${labelOf(metric)} (previous period)`,
        values: cur.data.items.map((_b, i) => old.data.items[i]?.[metric] ?? null),
        dashed: true,
        muted: true,
      });
    return { x, series };
  }, [cur.data, old.data, metric, view.compare]);
  return (
    <Panel
      title="Over time"
      actions={
        <div className="segmented" role="group" aria-label="Chart metric">
          {(['visitors', 'page_views', 'sessions'] as const).map((m) => (
            <button key={m} type="button" aria-pressed={metric === m} onClick={() => setMetric(m)}>
              {labelOf(m)}
            </button>
          ))}
        </div>
      }
    >
      <Async q={cur} label="Loading chart…">
        {() =>
          data ? (
            <LineChart
              x={data.x}
              series={data.series}
              label={`${labelOf(metric)} per ${interval}`}
              tz={cur.data!.tz}
              interval={cur.data!.interval}
            />
          ) : null
        }
      </Async>
    </Panel>
  );
}

const labelOf = (m: Metric) =>
  m === 'visitors' ? 'Visitors' : m === 'page_views' ? 'Page views' : 'Sessions';

/** Which filter a breakdown row sets when clicked. */
const FILTER_OF: Record<string, string> = {
  pages: 'page_path',
  entry_pages: 'page_path',
  exit_pages: 'page_path',
  referrers: 'referrer_domain',
  channels: 'channel',
  utm_campaigns: 'utm_campaign',
  utm_sources: 'utm_source',
  utm_mediums: 'utm_medium',
  countries: 'country',
  cities: 'city',
  devices: 'device_type',
  browsers: 'browser',
  os: 'os',
  events: 'event_name',
  companies: 'company_name',
};

/** Picks the goal whose conversion rate the breakdown panels show (sites with goals only). */
function ConversionGoalPicker({ site, value }: { site: Site; value: string | null }) {
  const goals = useGoals(site);
  const items = goals.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <SelectField
      label="Conversion rate for"
      className="conversion-goal"
      value={value ?? ''}
      onValue={(v) => updateView({ conversion_goal: v || null })}
      options={[['', 'no goal'], ...items.map((g) => [g.id, g.name] as const)]}
    />
  );
}

function BreakdownPanel({
  site,
  view,
  ready,
  conversionGoal,
  title,
  tabs,
  csv,
  footer,
}: {
  site: Site;
  view: View;
  ready: boolean;
  conversionGoal: string | null;
  title: string;
  tabs: [string, string][];
  csv: boolean;
  footer?: ReactNode;
}) {
  const [tab, setTab] = useState(tabs[0]![0]);
  // Custom events rank by how often they happened; the other dimensions by visitors. The conversion
  // rate is per visitor of a row: not for the events list.
  const rate: Record<string, string> =
    conversionGoal && tab !== 'events' ? { conversion_goal: conversionGoal } : {};
  const q = statsQuery(view, { limit: 10, ...(tab === 'events' ? { sort: 'events' } : {}), ...rate });
  const data = useQuery({
    queryKey: ['breakdown', site.id, tab, q],
    queryFn: () => get<Breakdown>(`/v1/sites/${site.id}/stats/breakdown/${tab}?${q}`),
    enabled: ready && tab !== 'properties',
  });
  const pq = statsQuery(view, { limit: 10 });
  const properties = useQuery({
    queryKey: ['event-properties', site.id, pq],
    queryFn: () => get<Page<EventPropertyRow>>(`/v1/sites/${site.id}/stats/event-properties?${pq}`),
    enabled: ready && tab === 'properties',
  });
  return (
    <Panel
      title={title}
      actions={
        tabs.length > 1 && (
          <div className="tabs" role="group" aria-label={`${title}: show`}>
            {tabs.map(([d, label]) => (
              <button key={d} type="button" aria-pressed={tab === d} onClick={() => setTab(d)}>
                {label}
              </button>
            ))}
          </div>
        )
      }
    >
      {tab === 'properties' ? (
        <div data-dimension="properties" aria-busy={properties.isFetching}>
          <Async q={properties}>{(p) => <PropertyBars rows={p.items} view={view} />}</Async>
        </div>
      ) : (
        <div data-dimension={tab} aria-busy={data.isFetching}>
          <Async q={data}>
            {(b) => <Bars rows={b.items} dimension={tab} rate={'conversion_goal' in rate} />}
          </Async>
        </div>
      )}
      {csv && tab !== 'properties' && <CsvButton site={site} view={view} dimension={tab} />}
      {footer}
    </Panel>
  );
}

/** Downloads the panel's dimension as CSV (the export route; a share link must allow it). */
function CsvButton({ site, view, dimension }: { site: Site; view: View; dimension: string }) {
  const csv = useDownload();
  const q = statsQuery(view, { sort: dimension === 'events' ? 'events' : 'visitors', order: 'desc' });
  return (
    <div className="csv small">
      <button
        type="button"
        className="link"
        aria-label={`Download ${dimension.replace('_', ' ')} as CSV`}
        onClick={() =>
          csv.start(
            `/v1/sites/${site.id}/export/${dimension}?${q}`,
            `${dimension}-${site.domain}-${view.from}-${view.to}.csv`,
          )
        }
      >
        Download CSV
      </button>
      {csv.error != null && <ErrorBox error={csv.error} title="Could not download it:" />}
    </div>
  );
}

/** The properties of custom events (of the filtered event, when an Event filter is on). */
function PropertyBars({ rows, view }: { rows: EventPropertyRow[]; view: View }) {
  const events = view.filters.filter(([k]) => k === 'event_name').map(([, v]) => v);
  if (rows.length === 0) return <p className="muted">No custom event with properties in this period.</p>;
  const max = Math.max(...rows.map((r) => r.events));
  return (
    <>
      <p className="muted small">
        {events.length
          ? `Properties of ${events.join(', ')}.`
          : 'Properties of every custom event: pick one under Custom events to see only its own.'}
      </p>
      <DataTable
        className="bars"
        scroll={false}
        rows={rows}
        rowKey={(r) => `${r.property}=${r.value}`}
        rowProps={(r) => ({ style: barWidth(r.events, max) })}
        columns={[
          {
            head: 'Property',
            cell: (r) => (
              <>
                {r.property}: <strong>{r.value ?? '(none)'}</strong>
              </>
            ),
          },
          { head: 'Events', num: true, cell: (r) => fmtInt(r.events) },
        ]}
      />
    </>
  );
}

/** What an empty value means in each breakdown: no referrer is direct traffic. */
function noneLabel(dimension: string): string {
  return dimension === 'referrers' || dimension === 'channels' ? 'Direct / none' : '(none)';
}

type Row = Breakdown['items'][number];

/** The text of a breakdown row's value (a country's name, "Direct / none" for no referrer). */
function valueLabel(dimension: string, r: Row): string {
  if (r.value == null) return noneLabel(dimension);
  if (dimension === 'countries') return countryName(r.value);
  if (dimension === 'channels' && r.value === 'direct') return 'Direct / none';
  return r.value;
}

function Bars({ rows, dimension, rate }: { rows: Row[]; dimension: string; rate: boolean }) {
  if (rows.length === 0) return <p className="muted">Nothing in this period.</p>;
  const metric = dimension === 'events' ? 'events' : 'visitors';
  const count = (r: Row) => r[metric] ?? 0;
  const max = Math.max(...rows.map(count));
  const filter = FILTER_OF[dimension];
  const value = (r: Row) => {
    const label = valueLabel(dimension, r);
    if (!filter) return label;
    return (
      <button
        type="button"
        className="row-filter"
        title={`Filter by ${label}`}
        onClick={() => addFilter(filter, r.value ?? '(none)')}
      >
        {label}
      </button>
    );
  };
  const columns: Column<Row>[] = [
    { head: dimension === 'events' ? 'Event' : 'Value', cell: value },
    { head: metric === 'events' ? 'Events' : 'Visitors', num: true, cell: (r) => fmtInt(count(r)) },
  ];
  if (rate)
    columns.push({
      head: 'Conv. rate',
      num: true,
      col: 'conversion_rate',
      title: 'Visitors of the row whose visit converted on the goal',
      cell: (r) => (r.conversion_rate == null ? '–' : `${(r.conversion_rate * 100).toFixed(1)}%`),
    });
  return (
    <DataTable
      className="bars"
      scroll={false}
      rows={rows}
      rowKey={(r) => r.value ?? '(none)'}
      rowProps={(r) => ({ style: barWidth(count(r), max) })}
      columns={columns}
    />
  );
}
