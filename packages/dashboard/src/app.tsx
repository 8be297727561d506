import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { fetchMe, get, logout, onSessionChange, refresh, signedIn } from './api';
import { Layout } from './layout';
import { CompaniesPage, CompanyPage } from './pages/companies';
import { CompanyAlertsSettings } from './pages/company-alerts';
import { FunnelsPage } from './pages/conversions/funnels';
import { GoalsPage } from './pages/conversions/goals';
import { VitalsPage } from './pages/conversions/vitals';
import { ForgotPasswordPage, LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { RealtimePage } from './pages/realtime';
import { SetPasswordPage } from './pages/set-password';
import { SharedView } from './pages/shared';
import { SharingSettings } from './pages/sharing';
import { UnsubscribePage } from './pages/unsubscribe';
import { SessionPage, SessionsPage } from './pages/sessions';
import { AuditLog } from './pages/audit';
import { BrandingSettings } from './pages/branding';
import { UsagePage } from './pages/usage';
import {
  AgencySettings,
  SiteEmailSettings,
  SiteSettings,
  SitesSettings,
  UsersSettings,
} from './pages/settings';
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
  if (path === '/forgot-password') return <ForgotPasswordPage />;
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
  if (state === 'checking') return <Loading label="Opening the dashboard…" />;
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

  const m = match('/sites/:siteId/:page', path) ?? match('/sites/:siteId/:page/:item', path);
  if (m) return <SiteRoute info={info} siteId={m.siteId!} page={m.page!} item={m.item} />;
  const settings = settingsPage(info, path);
  if (settings) return <Layout settings>{settings}</Layout>;
  if (path === '/' || path === '/login') return <Loading />;
  return (
    <Layout>
      <NotFound />
    </Layout>
  );
}

/** The pages of a site, by the path's page name; `item` is a company domain or a session id. */
const SITE_PAGES: Record<string, (site: Site, item?: string) => ReactNode> = {
  overview: (site) => <OverviewPage site={site} />,
  companies: (site, item) =>
    item ? <CompanyPage site={site} domain={item} /> : <CompaniesPage site={site} />,
  realtime: (site) => <RealtimePage site={site} />,
  sessions: (site, item) =>
    item ? <SessionPage site={site} sessionId={item} /> : <SessionsPage site={site} />,
  goals: (site) => <GoalsPage site={site} />,
  funnels: (site) => <FunnelsPage site={site} />,
  vitals: (site) => <VitalsPage site={site} />,
};

function SiteRoute({
  info,
  siteId,
  page,
  item,
}: {
  info: SessionInfo;
  siteId: string;
  page: string;
  item?: string;
}) {
  const site = info.sites.find((s) => s.id === siteId || s.script_id === siteId);
  if (!site)
    return (
      <Layout>
        <ErrorBox error={new Error('This site does not exist or is not one of your agency’s sites.')} />
      </Layout>
    );
  return <Layout site={site}>{SITE_PAGES[page]?.(site, item) ?? <NotFound />}</Layout>;
}

/** The settings page at `path` (what the caller's role may see), or null when it is not one. */
function settingsPage(info: SessionInfo, path: string): ReactNode | null {
  let m: Record<string, string> | null;
  if (path === '/settings') return <SitesSettings />;
  if ((m = match('/settings/sites/:siteId/alerts', path)))
    return <CompanyAlertsSettings siteId={m.siteId!} />;
  if ((m = match('/settings/sites/:siteId/sharing', path))) return <SharingSettings siteId={m.siteId!} />;
  if ((m = match('/settings/sites/:siteId/reports', path)))
    return info.canWrite ? <SiteEmailSettings siteId={m.siteId!} /> : <WritersOnly />;
  if ((m = match('/settings/sites/:siteId', path))) return <SiteSettings siteId={m.siteId!} />;
  const adminPages: Record<string, () => ReactNode> = {
    '/settings/users': () => <UsersSettings />,
    '/settings/agency': () => <AgencySettings />,
    '/settings/branding': () => <BrandingSettings />,
    '/settings/audit': () => <AuditLog />,
    '/settings/usage': () => <UsagePage />,
  };
  const admin = adminPages[path];
  if (admin) return info.isAdmin ? admin() : <Forbidden />;
  return null;
}

function NotFound() {
  return <ErrorBox title="Page not found." error={new Error('There is no page at this address.')} />;
}
function WritersOnly() {
  return (
    <ErrorBox
      title="Not allowed."
      error={new Error('Viewers cannot open this page: ask an admin or user.')}
    />
  );
}
function Forbidden() {
  return <ErrorBox title="Not allowed." error={new Error('Only agency admins can open this page.')} />;
}
