import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { get, logout } from './api';
import { lastSite, rememberSite } from './last-site';
import { match, navigate, useLocation } from './router';
import { useSession, userKey, ZoneContext } from './session';
import { Check, Field, InputField, Options } from './form';
import { useGoals, useSegments, useView } from './queries';
import {
  FILTERS,
  RANGES,
  addFilter,
  clearFilters,
  removeFilter,
  statsQuery,
  updateView,
  viewQuery,
  type View,
} from './state';
import { countryName } from './format';
import type { Breakdown, Site } from './types';
import { BrandMark, useSignedInBrand } from './brand';
import { Link } from './ui';

const PAGES = [
  ['overview', 'Overview'],
  ['companies', 'Companies'],
  ['realtime', 'Realtime'],
  ['sessions', 'Sessions'],
  ['goals', 'Goals'],
  ['funnels', 'Funnels'],
  ['vitals', 'Web vitals'],
] as const;

export function Layout({
  site: pageSite,
  settings,
  children,
}: {
  site?: Site;
  settings?: boolean;
  children: ReactNode;
}) {
  const session = useSession();
  const { sites } = session;
  const { path } = useLocation();
  const who = userKey(session);
  useEffect(() => {
    if (pageSite) rememberSite(who, pageSite.id);
  }, [who, pageSite]);
  // Settings pages keep the site last looked at (or the one whose settings, or their subpages, are open).
  const settingsSite = (
    match('/settings/sites/:siteId', path) ?? match('/settings/sites/:siteId/:page', path)
  )?.siteId;
  const site =
    pageSite ?? sites.find((s) => s.id === settingsSite) ?? (sites.length ? lastSite(who, sites) : undefined);
  const current = settings ? undefined : path.split('/')[3];
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <TopBar site={site} current={current} settings={!!settings} />
      {settings && <SettingsNav />}
      {pageSite && <QuotaNotice site={pageSite} />}
      {pageSite && current !== 'realtime' && <Toolbar site={pageSite} />}
      <main id="main" tabIndex={-1}>
        <ZoneContext.Provider value={site?.config.timezone ?? 'UTC'}>{children}</ZoneContext.Provider>
      </main>
    </div>
  );
}

/**
 * The site's monthly event quota, when its stored events reached 80% or 100% of it this month (the
 * same warning the agency's admins got by email). Events past the quota are still collected.
 */
export function QuotaNotice({ site }: { site: Site }) {
  const admin = useSession().me.role === 'admin';
  if (!site.quota_warning || !site.monthly_event_quota) return null;
  const quota = site.monthly_event_quota.toLocaleString('en');
  return (
    <p className={`quota-notice quota-${site.quota_warning}`} role="status">
      {site.quota_warning >= 100
        ? `${site.name} has reached its monthly quota of ${quota} events.`
        : `${site.name} has used ${site.quota_warning}% of its monthly quota of ${quota} events.`}{' '}
      Events past it are still collected: none is lost.
      {admin && (
        <>
          {' '}
          <Link to="/settings/usage">See the usage</Link>
        </>
      )}
    </p>
  );
}

/** Brand, agency, site switch, the site's pages and the signed-in user. */
function TopBar({
  site,
  current,
  settings,
}: {
  site: Site | undefined;
  current?: string;
  settings: boolean;
}) {
  const { me, sites } = useSession();
  const brand = useSignedInBrand(me.agency.name);
  const keep = viewQuery(useLocation().search);
  return (
    <header className="top">
      <BrandMark brand={brand} />
      <div className="agency" title="Agency">
        {me.agency.name}
      </div>
      <label className="site-switch">
        <span className="sr-only">Site</span>
        <select
          aria-label="Site"
          value={site?.id ?? ''}
          onChange={(e) => navigate(`/sites/${e.target.value}/${current ?? 'overview'}${keep}`)}
        >
          {!site && <option value="">Choose a site…</option>}
          <Options
            of={sites.map((s) => [s.id, s.status === 'paused' ? `${s.name} (paused)` : s.name] as const)}
          />
        </select>
      </label>
      <nav aria-label="Main" className="main-nav">
        {site &&
          PAGES.map(([p, label]) => (
            <Link key={p} to={`/sites/${site.id}/${p}${keep}`} current={current === p}>
              {label}
            </Link>
          ))}
        <Link to="/settings" current={settings}>
          Settings
        </Link>
      </nav>
      <div className="user">
        <span className="who" title={me.user?.email ?? 'API key'}>
          <span className="email">{me.user?.email ?? 'API key'}</span>{' '}
          <span className={`role role-${me.role}`}>{me.role}</span>
        </span>
        <button type="button" className="link" onClick={() => void logout()}>
          Sign out
        </button>
      </div>
    </header>
  );
}

/** Settings pages of admins only: the agency's users, its settings and brand, its audit log and its usage. */
const ADMIN_SETTINGS = [
  ['/settings/users', 'Users'],
  ['/settings/agency', 'Agency'],
  ['/settings/branding', 'Branding'],
  ['/settings/audit', 'Audit log'],
  ['/settings/usage', 'Usage'],
] as const;

function SettingsNav() {
  const { isAdmin } = useSession();
  const { path } = useLocation();
  return (
    <nav aria-label="Settings" className="sub-nav">
      <Link to="/settings" current={path === '/settings' || path.startsWith('/settings/sites')}>
        Sites
      </Link>
      {isAdmin &&
        ADMIN_SETTINGS.map(([to, label]) => (
          <Link key={to} to={to} current={path === to}>
            {label}
          </Link>
        ))}
    </nav>
  );
}

/** The names of the site's goals and segments (the same queries as the conversions pages), by id. */
function useSavedNames(site: Site, wanted: boolean) {
  const goals = useGoals(site, wanted);
  const segments = useSegments(site, wanted);
  return {
    goal: new Map((goals.data?.items ?? []).map((g) => [g.id, g.name])),
    segment: new Map((segments.data?.items ?? []).map((g) => [g.id, g.name])),
  };
}

export function Toolbar({ site }: { site: Site }) {
  const { view } = useView(site);
  return (
    <div className="toolbar">
      <RangePicker view={view} tz={site.config.timezone} />
      <AddFilter site={site} />
      {view.filters.length > 0 && <FilterChips site={site} view={view} />}
    </div>
  );
}

function RangePicker({ view, tz }: { view: View; tz: string }) {
  const pick = (range: string) =>
    updateView(
      range === 'custom'
        ? { range: 'custom', from: view.from, to: view.to }
        : { range, from: null, to: null },
    );
  // A custom range; a cleared date input changes nothing.
  const custom = (from: string, to: string) => from && to && updateView({ range: 'custom', from, to });
  return (
    <div className="range">
      <Field label="Date range">
        <select value={view.range} onChange={(e) => pick(e.target.value)}>
          <Options of={RANGES.map((r) => [r.id, r.label] as const)} />
        </select>
      </Field>
      {view.range === 'custom' && (
        <>
          <InputField
            label="From"
            type="date"
            value={view.from}
            max={view.to}
            onChange={(e) => custom(e.target.value, view.to)}
          />
          <InputField
            label="To"
            type="date"
            value={view.to}
            min={view.from}
            onChange={(e) => custom(view.from, e.target.value)}
          />
        </>
      )}
      <Check label="Compare to previous period">
        <input
          type="checkbox"
          checked={view.compare}
          onChange={(e) => updateView({ compare: e.target.checked ? '1' : null })}
        />
      </Check>
      <span className="period" aria-live="polite">
        {view.from === view.to ? view.from : `${view.from} → ${view.to}`} ({tz})
      </span>
    </div>
  );
}

/** The view's filters as chips (a goal or segment by its name), each removable, and "Clear filters". */
function FilterChips({ site, view }: { site: Site; view: View }) {
  const names = useSavedNames(
    site,
    view.filters.some(([k]) => k === 'goal' || k === 'segment'),
  );
  // A goal or segment chip shows its name (the id while loading, or when it was deleted meanwhile).
  const shown = (k: string, v: string) =>
    k === 'country' ? countryName(v) : k === 'goal' || k === 'segment' ? (names[k].get(v) ?? v) : v;
  return (
    <div className="filters" role="group" aria-label="Filters">
      {view.filters.map(([k, v]) => (
        <span className="chip" key={`${k}=${v}`}>
          {FILTERS[k]}: <strong>{shown(k, v)}</strong>
          <button
            type="button"
            aria-label={`Remove filter ${FILTERS[k]} ${shown(k, v)}`}
            onClick={() => removeFilter(k, v)}
          >
            ×
          </button>
        </span>
      ))}
      <button type="button" className="link" onClick={clearFilters}>
        Clear filters
      </button>
    </div>
  );
}

/** Breakdown (API dimension) whose values a filter key takes: the form suggests them. */
const SUGGEST_FROM: Record<string, string> = {
  page_path: 'pages',
  referrer_domain: 'referrers',
  channel: 'channels',
  utm_source: 'utm_sources',
  utm_medium: 'utm_mediums',
  utm_campaign: 'utm_campaigns',
  utm_content: 'utm_contents',
  utm_term: 'utm_terms',
  country: 'countries',
  region: 'regions',
  city: 'cities',
  device_type: 'devices',
  browser: 'browsers',
  os: 'os',
  language: 'languages',
  company_name: 'companies',
  company_industry: 'industries',
  visitor_type: 'visitor_types',
  event_name: 'events',
};

/**
 * A filter typed by hand (clicking a row of a breakdown does the same for its value). The value field
 * suggests the values the chosen dimension has in the current view (its top 100).
 */
function AddFilter({ site }: { site: Site }) {
  const { view } = useView(site);
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState('page_path');
  const dimension = SUGGEST_FROM[key];
  const q = statsQuery(view, { limit: 100 });
  const values = useQuery({
    queryKey: ['breakdown', site.id, dimension, q],
    queryFn: () => get<Breakdown>(`/v1/sites/${site.id}/stats/breakdown/${dimension}?${q}`),
    enabled: open && !!dimension,
  });
  const listId = `filter-values-${key}`;
  return (
    <details className="add-filter" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Add a filter</summary>
      <form
        className="range"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const value = String(f.get('value')).trim();
          if (value) addFilter(String(f.get('key')), value);
          e.currentTarget.reset();
          setKey('page_path');
        }}
      >
        <Field label="Dimension">
          <select name="key" value={key} onChange={(e) => setKey(e.target.value)}>
            <Options of={Object.entries(FILTERS)} />
          </select>
        </Field>
        <label>
          <span>Value (pick or type; (none) for empty)</span>
          <input name="value" required placeholder="/pricing" list={listId} autoComplete="off" />
          <datalist id={listId} data-testid="filter-suggestions">
            {(values.data?.items ?? []).map((r) => (
              <option key={r.value ?? '(none)'} value={r.value ?? '(none)'}>
                {key === 'country' && r.value ? countryName(r.value) : undefined}
              </option>
            ))}
          </datalist>
        </label>
        <button type="submit">Apply filter</button>
      </form>
    </details>
  );
}
