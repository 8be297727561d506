import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { fetchMe, get, logout, onSessionChange, refresh, signedIn } from './api';
import { Layout } from './layout';
import { CompaniesPage, CompanyPage } from './pages/companies';
import { CompanyAlertsSettings } from './pages/company-alerts';
import { FunnelsPage } from './pages/conversions/funnels';
import { GoalsPage } from './pages/conversions/goals';
import { VitalsPage } from './pages/conversions/vitals';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { RealtimePage } from './pages/realtime';
import { SetPasswordPage } from './pages/set-password';
import { SharedView } from './pages/shared';
import { SharingSettings } from './pages/sharing';
import { UnsubscribePage } from './pages/unsubscribe';
import { SessionPage, SessionsPage } from './pages/sessions';
import { AuditLog } from './pages/audit';
import { AgencySettings, SiteSettings, SitesSettings, UsersSettings } from './pages/settings';
import { lastSite } from './last-site';
import { markSession, mayHaveSession } from './session-hint';
import { match, navigate, useLocation } from './router';
import { SessionContext, userKey, type SessionInfo } from './session';
import type { Page, Site } from './types';
import { ErrorBox, Loading } from './ui';

export function App() {
  // Pages that need no login: a shared dashboard and the one-time password links.
  const { path } = useLocation();
  const shared = match('/share/:token', path);
  if (shared) return <SharedView token={shared.token!} />;
  if (path === '/set-password') return <SetPasswordPage />;
  if (path === '/unsubscribe') return <UnsubscribePage />;
  return <SignedInApp />;
}

function SignedInApp() {
  const [state, setState] = useState<'checking' | 'in' | 'out'>(
    signedIn() ? 'in' : mayHaveSession() ? 'checking' : 'out',
  );
  const qc = useQueryClient();
  useEffect(() => {
    const off = onSessionChange((inside) => {
      markSession(inside);
      setState(inside ? 'in' : 'out');
      if (!inside) qc.clear();
    });
    // Only a browser that signed in before can hold a refresh cookie: asking without one is a 401
    // that the console shows as an error on every first visit.
    if (!signedIn() && mayHaveSession()) void refresh().then((ok) => setState(ok ? 'in' : 'out'));
    return off;
  }, [qc]);
  if (state === 'checking') return <Loading label="Opening Beacon…" />;
  if (state === 'out') return <LoginPage />;
  return <Shell />;
}

function Shell() {
  const me = useQuery({ queryKey: ['me'], queryFn: fetchMe });
  const sites = useQuery({
    queryKey: ['sites'],
    queryFn: () => get<Page<Site>>('/v1/sites?limit=500'),
  });
  if (me.error || sites.error)
    return (
      <main className="center">
        <ErrorBox error={me.error ?? sites.error} />
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </main>
    );
  if (!me.data || !sites.data) return <Loading label="Loading your sites…" />;
  const info: SessionInfo = {
    me: me.data,
    sites: sites.data.items,
    canWrite: me.data.role !== 'viewer',
    isAdmin: me.data.role === 'admin',
  };
  return (
    <SessionContext.Provider value={info}>
      <Routes info={info} />
    </SessionContext.Provider>
  );
}

function Routes({ info }: { info: SessionInfo }) {
  const { path } = useLocation();
  const first = lastSite(userKey(info), info.sites);
  useEffect(() => {
    if (path === '/' || path === '/login')
      navigate(first ? `/sites/${first.id}/overview` : '/settings', { replace: true });
  }, [path, first]);

  let m: Record<string, string> | null;
  if ((m = match('/sites/:siteId/:page', path)) || (m = match('/sites/:siteId/:page/:item', path))) {
    const site = info.sites.find((s) => s.id === m!.siteId || s.script_id === m!.siteId);
    if (!site)
      return (
        <Layout>
          <ErrorBox error={new Error('This site does not exist or is not one of your agency’s sites.')} />
        </Layout>
      );
    const item = m.item;
    const page =
      m.page === 'overview' ? (
        <OverviewPage site={site} />
      ) : m.page === 'companies' && item ? (
        <CompanyPage site={site} domain={item} />
      ) : m.page === 'companies' ? (
        <CompaniesPage site={site} />
      ) : m.page === 'realtime' ? (
        <RealtimePage site={site} />
      ) : m.page === 'sessions' && item ? (
        <SessionPage site={site} sessionId={item} />
      ) : m.page === 'sessions' ? (
        <SessionsPage site={site} />
      ) : m.page === 'goals' ? (
        <GoalsPage site={site} />
      ) : m.page === 'funnels' ? (
        <FunnelsPage site={site} />
      ) : m.page === 'vitals' ? (
        <VitalsPage site={site} />
      ) : null;
    return <Layout site={site}>{page ?? <NotFound />}</Layout>;
  }
  if (path === '/settings')
    return (
      <Layout settings>
        <SitesSettings />
      </Layout>
    );
  if ((m = match('/settings/sites/:siteId/alerts', path)))
    return (
      <Layout settings>
        <CompanyAlertsSettings siteId={m.siteId!} />
      </Layout>
    );
  if ((m = match('/settings/sites/:siteId/sharing', path)))
    return (
      <Layout settings>
        <SharingSettings siteId={m.siteId!} />
      </Layout>
    );
  if ((m = match('/settings/sites/:siteId', path)))
    return (
      <Layout settings>
        <SiteSettings siteId={m.siteId!} />
      </Layout>
    );
  if (path === '/settings/users')
    return <Layout settings>{info.isAdmin ? <UsersSettings /> : <Forbidden />}</Layout>;
  if (path === '/settings/agency')
    return <Layout settings>{info.isAdmin ? <AgencySettings /> : <Forbidden />}</Layout>;
  if (path === '/settings/audit')
    return <Layout settings>{info.isAdmin ? <AuditLog /> : <Forbidden />}</Layout>;
  if (path === '/' || path === '/login') return <Loading />;
  return (
    <Layout>
      <NotFound />
    </Layout>
  );
}

function NotFound() {
  return <ErrorBox error={new Error('There is no page at this address.')} />;
}
function Forbidden() {
  return <ErrorBox error={new Error('Only agency admins can open this page.')} />;
}
