import type { ReactNode } from 'react';
import { logout } from './api';
import { navigate, useLocation } from './router';
import { useSession } from './session';
import {
  FILTERS,
  RANGES,
  addFilter,
  clearFilters,
  readView,
  removeFilter,
  updateView,
  viewQuery,
} from './state';
import { countryName } from './format';
import type { Site } from './types';
import { Link } from './ui';

const PAGES = [
  ['overview', 'Overview'],
  ['companies', 'Companies'],
  ['realtime', 'Realtime'],
  ['sessions', 'Sessions'],
] as const;

/** The site last looked at: the switcher and the site links keep it on the settings pages. */
let lastSiteId: string | null = null;

export function Layout({
  site: pageSite,
  settings,
  children,
}: {
  site?: Site;
  settings?: boolean;
  children: ReactNode;
}) {
  const { me, sites, isAdmin } = useSession();
  const { path, search } = useLocation();
  if (pageSite) lastSiteId = pageSite.id;
  const site = pageSite ?? sites.find((s) => s.id === lastSiteId);
  const keep = viewQuery(search);
  const current = settings ? undefined : path.split('/')[3];
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span>Beacon</span>
        </div>
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
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
                {s.status === 'paused' ? ' (paused)' : ''}
              </option>
            ))}
          </select>
        </label>
        <nav aria-label="Main" className="main-nav">
          {site &&
            PAGES.map(([p, label]) => (
              <Link key={p} to={`/sites/${site.id}/${p}${keep}`} current={current === p}>
                {label}
              </Link>
            ))}
          <Link to="/settings" current={!!settings}>
            Settings
          </Link>
        </nav>
        <div className="user">
          <span className="who">
            {me.user?.email ?? 'API key'} <span className={`role role-${me.role}`}>{me.role}</span>
          </span>
          <button type="button" className="link" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      {settings && (
        <nav aria-label="Settings" className="sub-nav">
          <Link to="/settings" current={path === '/settings' || path.startsWith('/settings/sites')}>
            Sites
          </Link>
          {isAdmin && (
            <Link to="/settings/users" current={path === '/settings/users'}>
              Users
            </Link>
          )}
          {isAdmin && (
            <Link to="/settings/agency" current={path === '/settings/agency'}>
              Agency
            </Link>
          )}
        </nav>
      )}
      {pageSite && current !== 'realtime' && <Toolbar site={pageSite} />}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

export function Toolbar({ site }: { site: Site }) {
  const { search } = useLocation();
  const view = readView(search, site.config.timezone);
  return (
    <div className="toolbar">
      <div className="range">
        <label>
          <span>Date range</span>
          <select
            value={view.range}
            onChange={(e) =>
              updateView(
                e.target.value === 'custom'
                  ? { range: 'custom', from: view.from, to: view.to }
                  : { range: e.target.value, from: null, to: null },
              )
            }
          >
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {view.range === 'custom' && (
          <>
            <label>
              <span>From</span>
              <input
                type="date"
                value={view.from}
                max={view.to}
                onChange={(e) =>
                  e.target.value && updateView({ range: 'custom', from: e.target.value, to: view.to })
                }
              />
            </label>
            <label>
              <span>To</span>
              <input
                type="date"
                value={view.to}
                min={view.from}
                onChange={(e) =>
                  e.target.value && updateView({ range: 'custom', from: view.from, to: e.target.value })
                }
              />
            </label>
          </>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={view.compare}
            onChange={(e) => updateView({ compare: e.target.checked ? '1' : null })}
          />
          <span>Compare to previous period</span>
        </label>
        <span className="period" aria-live="polite">
          {view.from === view.to ? view.from : `${view.from} → ${view.to}`} ({site.config.timezone})
        </span>
      </div>
      <AddFilter />
      {view.filters.length > 0 && (
        <div className="filters" role="group" aria-label="Filters">
          {view.filters.map(([k, v]) => (
            <span className="chip" key={`${k}=${v}`}>
              {FILTERS[k]}: <strong>{k === 'country' ? countryName(v) : v}</strong>
              <button
                type="button"
                aria-label={`Remove filter ${FILTERS[k]} ${v}`}
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
      )}
    </div>
  );
}

/** A filter typed by hand (clicking a row of a breakdown does the same for its value). */
function AddFilter() {
  return (
    <details className="add-filter">
      <summary>Add a filter</summary>
      <form
        className="range"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const value = String(f.get('value')).trim();
          if (value) addFilter(String(f.get('key')), value);
          e.currentTarget.reset();
        }}
      >
        <label>
          <span>Dimension</span>
          <select name="key" defaultValue="page_path">
            {Object.entries(FILTERS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Value (exact; (none) for empty)</span>
          <input name="value" required placeholder="/pricing" />
        </label>
        <button type="submit">Apply filter</button>
      </form>
    </details>
  );
}
