import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get } from '../api';
import { InputField, onFields, SaveRow, SubmitRow, useSavedNotice } from '../form';
import { navigate } from '../router';
import { useSession } from '../session';
import { DataTable } from '../table';
import type { Agency, Site } from '../types';
import { Async, BackLink, CopyButton, Empty, Link, Panel, SnippetBox } from '../ui';
import { TrafficAlertsPanel } from './alerts';
import { IngestionHealthPanel, IngestTokensPanel } from './ingestion';
import { DeliveryLogPanel, ReportSchedulesPanel } from './reports';
import { SiteFacts, SiteForm } from './site-form';

export { UsersSettings } from './users';

const SiteStatus = ({ site }: { site: Site }) => (
  <span className={`status status-${site.status}`}>{site.status}</span>
);

export function SitesSettings() {
  const { sites, canWrite } = useSession();
  return (
    <>
      <h1 className="page-title">Sites</h1>
      <Panel title="Your sites">
        <DataTable
          rows={sites}
          rowKey={(s) => s.id}
          empty={
            <Empty>
              No site yet.
              {canWrite
                ? ' Add one below, then paste its snippet into your pages.'
                : ' Ask an admin to add one.'}
            </Empty>
          }
          columns={[
            {
              head: 'Name',
              rowHeader: true,
              cell: (s) => <Link to={`/settings/sites/${s.id}`}>{s.name}</Link>,
            },
            { head: 'Domain', cell: (s) => s.domain },
            { head: 'Status', cell: (s) => <SiteStatus site={s} /> },
            { head: 'Script id', cell: (s) => <code>{s.script_id}</code> },
          ]}
        />
      </Panel>
      {canWrite && <AddSitePanel />}
    </>
  );
}

function AddSitePanel() {
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (body: { name: string; domain: string }) => api<Site>('POST', '/v1/sites', body),
    onSuccess: async (site) => {
      await qc.invalidateQueries({ queryKey: ['sites'] });
      navigate(`/settings/sites/${site.id}`);
    },
  });
  return (
    <Panel title="Add a site">
      <form
        className="form"
        onSubmit={onFields((f) =>
          create.mutate({ name: String(f.get('name')), domain: String(f.get('domain')) }),
        )}
      >
        <InputField label="Name" name="name" required maxLength={200} />
        <InputField label="Domain" name="domain" required placeholder="www.example.com" />
        <SubmitRow label="Create site" busy={create.isPending} error={create.error} />
      </form>
    </Panel>
  );
}

export function SiteSettings({ siteId }: { siteId: string }) {
  const { canWrite } = useSession();
  const q = useQuery({ queryKey: ['site', siteId], queryFn: () => get<Site>(`/v1/sites/${siteId}`) });
  return (
    <>
      <BackLink to="/settings">All sites</BackLink>
      <Async q={q} label="Loading the site…">
        {(site) => (
          <>
            <h1 className="page-title">
              {site.name} <SiteStatus site={site} />
            </h1>
            {canWrite && (
              <ul className="plain">
                <li>
                  <Link to={`/settings/sites/${site.id}/sharing`}>Share links of this dashboard →</Link>
                </li>
                <li>
                  <Link to={`/settings/sites/${site.id}/reports`}>Email reports and traffic alerts →</Link>
                </li>
                <li>
                  <Link to={`/settings/sites/${site.id}/alerts`}>Company alerts →</Link>
                </li>
              </ul>
            )}
            <Panel title="Tracking snippet">
              <p>Paste it into the &lt;head&gt; of every page of {site.domain}.</p>
              <SnippetBox siteId={site.id} />
            </Panel>
            {canWrite ? <SiteForm site={site} /> : <SiteFacts site={site} />}
            <IngestionHealthPanel site={site} />
            <IngestTokensPanel site={site} />
          </>
        )}
      </Async>
    </>
  );
}

/** A site's scheduled email reports, their delivery log (admins) and its traffic alerts. */
export function SiteEmailSettings({ siteId }: { siteId: string }) {
  const { isAdmin, sites } = useSession();
  const site = sites.find((s) => s.id === siteId);
  return (
    <>
      <BackLink to={`/settings/sites/${siteId}`}>{site?.name ?? 'The site'}</BackLink>
      <h1 className="page-title">Email reports and alerts</h1>
      <ReportSchedulesPanel siteId={siteId} />
      {isAdmin && <DeliveryLogPanel siteId={siteId} />}
      <TrafficAlertsPanel siteId={siteId} />
    </>
  );
}

export function AgencySettings() {
  const q = useQuery({ queryKey: ['agency'], queryFn: () => get<Agency>('/v1/agency') });
  return (
    <>
      <h1 className="page-title">Agency</h1>
      <Async q={q}>{(a) => <AgencyPanel agency={a} />}</Async>
    </>
  );
}

function AgencyPanel({ agency: a }: { agency: Agency }) {
  const qc = useQueryClient();
  const notice = useSavedNotice();
  const save = useMutation({
    mutationFn: (body: { name: string; config: { retention_months: number | null } }) =>
      api<Agency>('PATCH', '/v1/agency', body),
    onSuccess: (saved) => {
      qc.setQueryData(['agency'], saved);
      void qc.invalidateQueries({ queryKey: ['me'] });
      notice.show();
    },
  });
  return (
    <Panel title="Agency settings">
      <dl className="facts" aria-label="Agency identity">
        <dt>Agency id</dt>
        <dd>
          <code>{a.id}</code> <CopyButton text={a.id} label="Copy id" />
        </dd>
        <dt>Contact email</dt>
        <dd>{a.email ?? '—'}</dd>
      </dl>
      <p className="muted small">
        The <code>beacon</code> command takes either as <code>--agency</code>, e.g.{' '}
        <code>beacon site create --agency {a.email ?? a.id} …</code>
      </p>
      <form
        className="form"
        onSubmit={onFields((f) => {
          const r = String(f.get('retention_months'));
          save.mutate({ name: String(f.get('name')), config: { retention_months: r ? Number(r) : null } });
        })}
      >
        <InputField label="Name" name="name" defaultValue={a.name} required />
        <InputField
          label="Keep events for (months; empty: the installation default)"
          name="retention_months"
          type="number"
          min={1}
          max={600}
          defaultValue={a.config.retention_months ?? ''}
        />
        <SaveRow label="Save agency" busy={save.isPending} saved={notice.saved} error={save.error} />
      </form>
    </Panel>
  );
}
