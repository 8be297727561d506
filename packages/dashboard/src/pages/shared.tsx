import { useEffect, useState } from 'react';
import { ApiError, openShare, type ShareSession } from '../api';
import { Toolbar } from '../layout';
import type { Site } from '../types';
import { ErrorBox, Loading } from '../ui';
import { OverviewPage } from './overview';

/**
 * A shared dashboard (`/share/<link token>`): the site's overview, read only, with no navigation to
 * settings or other sites. The API holds it to the link's site and filters whatever this page asks.
 */
export function SharedView({ token }: { token: string }) {
  const [session, setSession] = useState<ShareSession | null>(null);
  const [needsPassword, setNeedsPassword] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    openShare(token).then(setSession, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) setNeedsPassword(true);
      else setError(err);
    });
  }, [token]);

  if (session) {
    const site = {
      id: session.site.id,
      name: session.site.name,
      domain: session.site.domain,
      status: 'active',
      config: { timezone: session.site.timezone },
    } as Site;
    const scope = Object.entries(session.link.filters);
    return (
      <div className="app shared">
        <header
          className="top"
          style={
            session.brand.primary_color
              ? { borderTop: `4px solid ${session.brand.primary_color}` }
              : undefined
          }
        >
          <div className="brand">
            {session.brand.logo ? (
              <img className="brand-logo" src={session.brand.logo} alt={session.brand.name} />
            ) : (
              <span>{session.brand.name}</span>
            )}
          </div>
          <div className="agency">{session.link.label} · read-only shared dashboard</div>
        </header>
        {scope.length > 0 && (
          <p className="share-scope">
            Showing only {scope.map(([k, v]) => `${k.replace('_', ' ')}: ${v.join(', ')}`).join('; ')}
          </p>
        )}
        <Toolbar site={site} />
        <main id="main" tabIndex={-1}>
          <OverviewPage site={site} />
        </main>
        <footer className="powered">
          {session.brand.powered_by && <>Powered by Beacon · </>}IP geolocation by{' '}
          <a href="https://db-ip.com">DB-IP</a>
        </footer>
      </div>
    );
  }
  if (needsPassword)
    return (
      <main className="login" id="main">
        <form
          className="panel login-form"
          aria-labelledby="share-title"
          onSubmit={async (e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            setBusy(true);
            setError(null);
            try {
              setSession(await openShare(token, String(f.get('password'))));
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h1 id="share-title">This dashboard is protected</h1>
          <label>
            <span>Password</span>
            <input name="password" type="password" autoComplete="current-password" required autoFocus />
          </label>
          {error != null && <ErrorBox error={error} title="Could not open it:" />}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Opening…' : 'Open the dashboard'}
          </button>
        </form>
      </main>
    );
  if (error != null)
    return (
      <main className="center">
        <ErrorBox error={error} title="This shared dashboard cannot be opened:" />
      </main>
    );
  return <Loading label="Opening the shared dashboard…" />;
}
