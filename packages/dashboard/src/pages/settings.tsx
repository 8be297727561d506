import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, get } from '../api';
import { fmtTime } from '../format';
import { navigate } from '../router';
import { ClientAccess } from './invite';
import { useSession, useZone } from '../session';
import type { Agency, Page, Role, Site, SiteConfig, User } from '../types';
import { Async, CopyButton, ErrorBox, Link, Panel, SnippetBox } from '../ui';
import { IngestionHealthPanel, IngestTokensPanel } from './ingestion';

export function SitesSettings() {
  const { sites, canWrite } = useSession();
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (body: { name: string; domain: string }) => api<Site>('POST', '/v1/sites', body),
    onSuccess: async (site) => {
      await qc.invalidateQueries({ queryKey: ['sites'] });
      navigate(`/settings/sites/${site.id}`);
    },
  });
  return (
    <>
      <h1 className="page-title">Sites</h1>
      <Panel title="Your sites">
        {sites.length === 0 ? (
          <p className="muted">
            No site yet.
            {canWrite
              ? ' Add one below, then paste its snippet into your pages.'
              : ' Ask an admin to add one.'}
          </p>
        ) : (
          <div className="scroll">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Domain</th>
                  <th scope="col">Status</th>
                  <th scope="col">Script id</th>
                </tr>
              </thead>
              <tbody>
                {sites.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      <Link to={`/settings/sites/${s.id}`}>{s.name}</Link>
                    </th>
                    <td>{s.domain}</td>
                    <td>
                      <span className={`status status-${s.status}`}>{s.status}</span>
                    </td>
                    <td>
                      <code>{s.script_id}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      {canWrite && (
        <Panel title="Add a site">
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              const f = new FormData(e.currentTarget);
              create.mutate({ name: String(f.get('name')), domain: String(f.get('domain')) });
            }}
          >
            <label>
              <span>Name</span>
              <input name="name" required maxLength={200} />
            </label>
            <label>
              <span>Domain</span>
              <input name="domain" required placeholder="www.example.com" />
            </label>
            {create.error && <ErrorBox error={create.error} />}
            <button type="submit" className="primary" disabled={create.isPending}>
              Create site
            </button>
          </form>
        </Panel>
      )}
    </>
  );
}

export function SiteSettings({ siteId }: { siteId: string }) {
  const { canWrite } = useSession();
  const q = useQuery({ queryKey: ['site', siteId], queryFn: () => get<Site>(`/v1/sites/${siteId}`) });
  return (
    <>
      <p>
        <Link to="/settings">← All sites</Link>
      </p>
      <Async q={q} label="Loading the site…">
        {(site) => (
          <>
            <h1 className="page-title">
              {site.name} <span className={`status status-${site.status}`}>{site.status}</span>
            </h1>
            {canWrite && (
              <p>
                <Link to={`/settings/sites/${site.id}/sharing`}>Share links of this dashboard →</Link>{' '}
                <Link to={`/settings/sites/${site.id}/alerts`}>Company alerts →</Link>
              </p>
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

function SiteFacts({ site }: { site: Site }) {
  const c = site.config;
  return (
    <Panel title="Settings">
      <dl className="facts">
        <div>
          <dt>Domain</dt>
          <dd>{site.domain}</dd>
        </div>
        <div>
          <dt>Allowed domains</dt>
          <dd>{c.allowed_origins.join(', ') || "the site's domain and its subdomains"}</dd>
        </div>
        <div>
          <dt>IP addresses</dt>
          <dd>{c.ip_anonymization}</dd>
        </div>
        <div>
          <dt>Cookieless</dt>
          <dd>{c.cookieless ? 'yes' : 'no'}</dd>
        </div>
        <div>
          <dt>Respect Do Not Track</dt>
          <dd>{c.respect_dnt ? 'yes' : 'no'}</dd>
        </div>
        <div>
          <dt>Require consent</dt>
          <dd>{c.require_consent ? 'yes' : 'no'}</dd>
        </div>
        <div>
          <dt>Keep events for</dt>
          <dd>{c.retention_months ? `${c.retention_months} months` : "the agency's retention"}</dd>
        </div>
        <div>
          <dt>Bots</dt>
          <dd>{c.bot_policy}</dd>
        </div>
        <div>
          <dt>Timezone</dt>
          <dd>{c.timezone}</dd>
        </div>
      </dl>
      <p className="muted">Viewers can read settings; an admin or user changes them.</p>
    </Panel>
  );
}

function SiteForm({ site }: { site: Site }) {
  const qc = useQueryClient();
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: Partial<Omit<Site, 'config'>> & { config?: Partial<SiteConfig> }) =>
      api<Site>('PATCH', `/v1/sites/${site.id}`, body),
    onSuccess: async (s) => {
      qc.setQueryData(['site', site.id], s);
      await qc.invalidateQueries({ queryKey: ['sites'] });
      setSaved(true);
      setTimeout(() => setSaved(false), 3000);
    },
  });
  const c = site.config;
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    save.mutate({
      name: String(f.get('name')),
      domain: String(f.get('domain')),
      config: {
        allowed_origins: String(f.get('allowed_origins'))
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
        ip_anonymization: f.get('ip_anonymization') as SiteConfig['ip_anonymization'],
        bot_policy: f.get('bot_policy') as SiteConfig['bot_policy'],
        cookieless: f.get('cookieless') === 'on',
        respect_dnt: f.get('respect_dnt') === 'on',
        require_consent: f.get('require_consent') === 'on',
        timezone: String(f.get('timezone')),
        retention_months: f.get('retention_months') ? Number(f.get('retention_months')) : null,
      },
    });
  };
  return (
    <Panel
      title="Settings"
      actions={
        site.status !== 'deleted' && (
          <button
            type="button"
            onClick={() => save.mutate({ status: site.status === 'active' ? 'paused' : 'active' })}
            disabled={save.isPending}
          >
            {site.status === 'active' ? 'Pause tracking' : 'Resume tracking'}
          </button>
        )
      }
    >
      <form className="form" onSubmit={submit} key={site.updated_at ?? site.id}>
        <label>
          <span>Name</span>
          <input name="name" defaultValue={site.name} required />
        </label>
        <label>
          <span>Domain</span>
          <input name="domain" defaultValue={site.domain} required />
        </label>
        <label>
          <span>Allowed domains (one per line; empty: the site's domain and its subdomains)</span>
          <textarea name="allowed_origins" rows={3} defaultValue={c.allowed_origins.join('\n')} />
        </label>
        <fieldset>
          <legend>Privacy</legend>
          <p className="help">
            These switches reach pages already tagged on their next load, within a few minutes (5 by default):
            the snippet stays the same.
          </p>
          <label>
            <span>IP addresses</span>
            <select name="ip_anonymization" defaultValue={c.ip_anonymization} aria-describedby="help-ip">
              <option value="none">Keep</option>
              <option value="truncate">Truncate (/24, /48)</option>
              <option value="drop">Drop</option>
            </select>
          </label>
          <p className="help" id="help-ip">
            What is stored after the location and company lookups, which always use the full address. Truncate
            (the default for new sites) removes the last part (IPv4 /24, IPv6 /48); Drop stores none.
          </p>
          <label className="check">
            <input
              type="checkbox"
              name="cookieless"
              defaultChecked={c.cookieless}
              aria-describedby="help-cookieless"
            />
            <span>Cookieless tracking</span>
          </label>
          <p className="help" id="help-cookieless">
            No cookie and no browser storage. A visitor is recognised for one day from a keyed hash of IP and
            browser (the key changes daily and is destroyed after 48 hours), so a visitor who comes back
            another day counts again.
          </p>
          <label className="check">
            <input
              type="checkbox"
              name="respect_dnt"
              defaultChecked={c.respect_dnt}
              aria-describedby="help-dnt"
            />
            <span>Respect Do Not Track</span>
          </label>
          <p className="help" id="help-dnt">
            Browsers sending Do Not Track or Global Privacy Control are not tracked unless the visitor
            consents on the page. Off: they are tracked like everyone else.
          </p>
          <label className="check">
            <input
              type="checkbox"
              name="require_consent"
              defaultChecked={c.require_consent}
              aria-describedby="help-consent"
            />
            <span>Require consent before tracking</span>
          </label>
          <p className="help" id="help-consent">
            Nothing is sent and nothing is stored in the browser until your consent banner calls{' '}
            <code>beacon.consent(true)</code>.
          </p>
          <label>
            <span>Keep events for (months; empty: the agency&apos;s retention)</span>
            <input
              name="retention_months"
              type="number"
              min={1}
              max={600}
              defaultValue={c.retention_months ?? ''}
              aria-describedby="help-retention"
            />
          </label>
          <p className="help" id="help-retention">
            Raw events and sessions of this site older than this are deleted; at most the agency&apos;s
            retention.
          </p>
          <label>
            <span>Bots</span>
            <select name="bot_policy" defaultValue={c.bot_policy}>
              <option value="drop">Drop bot traffic</option>
              <option value="keep">Keep (marked as bots)</option>
            </select>
          </label>
        </fieldset>
        <label>
          <span>Timezone (IANA, for days in reports)</span>
          <input name="timezone" defaultValue={c.timezone} required />
        </label>
        {save.error && <ErrorBox error={save.error} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            Save settings
          </button>
          <span role="status">{saved ? 'Saved.' : ''}</span>
        </div>
      </form>
    </Panel>
  );
}

const ROLES: Role[] = ['admin', 'user', 'viewer'];

export function UsersSettings() {
  const tz = useZone();
  const qc = useQueryClient();
  const { me } = useSession();
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<Page<User>>('/v1/users?limit=500') });
  const update = useMutation({
    mutationFn: ({ id, ...body }: { id: string; role?: Role; is_active?: boolean }) =>
      api<User>('PATCH', `/v1/users/${id}`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
  const create = useMutation({
    mutationFn: (body: { email: string; password: string; role: Role }) =>
      api<User>('POST', '/v1/users', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <>
      <h1 className="page-title">Users and roles</h1>
      <p className="muted">
        Admins manage users, sites and the agency; users manage sites; viewers only read.
      </p>
      <Panel title="Users">
        {update.error && <ErrorBox error={update.error} />}
        <Async q={users}>
          {(p) => (
            <div className="scroll">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Active</th>
                    <th scope="col">Last login</th>
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((u) => (
                    <tr key={u.id}>
                      <th scope="row">{u.email}</th>
                      <td>
                        <select
                          aria-label={`Role of ${u.email}`}
                          value={u.role}
                          disabled={u.id === me.user?.id}
                          onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                        >
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <label className="check">
                          <input
                            type="checkbox"
                            checked={u.is_active}
                            disabled={u.id === me.user?.id}
                            onChange={(e) => update.mutate({ id: u.id, is_active: e.target.checked })}
                          />
                          <span className="sr-only">Active: {u.email}</span>
                        </label>
                      </td>
                      <td>{u.last_login ? fmtTime(u.last_login, tz) : 'never'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Async>
      </Panel>
      <Panel title="Add a user with a password">
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const f = new FormData(form);
            create.mutate(
              {
                email: String(f.get('email')),
                password: String(f.get('password')),
                role: f.get('role') as Role,
              },
              { onSuccess: () => form.reset() },
            );
          }}
        >
          <label>
            <span>Email</span>
            <input name="email" type="email" required />
          </label>
          <label>
            <span>Initial password (8 to 72 characters)</span>
            <input
              name="password"
              type="password"
              minLength={8}
              maxLength={72}
              required
              autoComplete="new-password"
            />
          </label>
          <label>
            <span>Role</span>
            <select name="role" defaultValue="viewer">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          {create.error && <ErrorBox error={create.error} />}
          <button type="submit" className="primary" disabled={create.isPending}>
            Add user
          </button>
        </form>
      </Panel>
      <ClientAccess />
    </>
  );
}

export function AgencySettings() {
  const qc = useQueryClient();
  const [saved, setSaved] = useState(false);
  const q = useQuery({ queryKey: ['agency'], queryFn: () => get<Agency>('/v1/agency') });
  const save = useMutation({
    mutationFn: (body: { name: string; config: { retention_months: number | null } }) =>
      api<Agency>('PATCH', '/v1/agency', body),
    onSuccess: (a) => {
      qc.setQueryData(['agency'], a);
      void qc.invalidateQueries({ queryKey: ['me'] });
      setSaved(true);
      setTimeout(() => setSaved(false), 3000);
    },
  });
  return (
    <>
      <h1 className="page-title">Agency</h1>
      <Async q={q}>
        {(a) => (
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
              onSubmit={(e) => {
                e.preventDefault();
                const f = new FormData(e.currentTarget);
                const r = String(f.get('retention_months'));
                save.mutate({
                  name: String(f.get('name')),
                  config: { retention_months: r ? Number(r) : null },
                });
              }}
            >
              <label>
                <span>Name</span>
                <input name="name" defaultValue={a.name} required />
              </label>
              <label>
                <span>Keep events for (months; empty: the installation default)</span>
                <input
                  name="retention_months"
                  type="number"
                  min={1}
                  max={600}
                  defaultValue={a.config.retention_months ?? ''}
                />
              </label>
              {save.error && <ErrorBox error={save.error} />}
              <div className="actions">
                <button type="submit" className="primary" disabled={save.isPending}>
                  Save agency
                </button>
                <span role="status">{saved ? 'Saved.' : ''}</span>
              </div>
            </form>
          </Panel>
        )}
      </Async>
    </>
  );
}
