import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { FILTERS } from '../state';
import type { Site } from '../types';
import { Async, ErrorBox, Link, Panel } from '../ui';

interface ShareLink {
  id: string;
  label: string;
  status: 'active' | 'expired' | 'revoked';
  has_password: boolean;
  expires_at: string | null;
  filters: Record<string, string[]>;
  allow_csv: boolean;
  frame_ancestors: string[];
  created_at: string;
}

/** Share links of one site: make one (its address is shown once), see them all, revoke at once. */
export function SharingSettings({ siteId }: { siteId: string }) {
  const qc = useQueryClient();
  const site = useQuery({ queryKey: ['site', siteId], queryFn: () => get<Site>(`/v1/sites/${siteId}`) });
  const links = useQuery({
    queryKey: ['share-links', siteId],
    queryFn: () => get<{ items: ShareLink[] }>(`/v1/sites/${siteId}/share-links`),
  });
  const [made, setMade] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = () => qc.invalidateQueries({ queryKey: ['share-links', siteId] });
  return (
    <>
      <p>
        <Link to={`/settings/sites/${siteId}`}>← {site.data?.name ?? 'The site'}</Link>
      </p>
      <h1 className="page-title">Share links</h1>
      <Panel title="New share link">
        <form
          className="form"
          onSubmit={async (e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const f = new FormData(form);
            const page = String(f.get('page') ?? '').trim();
            const expires = String(f.get('expires') ?? '');
            const origins = String(f.get('origins') ?? '')
              .split(/[\s,]+/)
              .filter(Boolean);
            setError(null);
            try {
              const r = await api<{ url: string }>('POST', `/v1/sites/${siteId}/share-links`, {
                label: String(f.get('label')),
                ...(f.get('password') ? { password: String(f.get('password')) } : {}),
                ...(expires ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}),
                ...(page ? { filters: { page_path: [page] } } : {}),
                allow_csv: f.get('csv') === 'on',
                frame_ancestors: origins,
              });
              setMade(r.url);
              form.reset();
              void reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <label>
            <span>Label (who it is for)</span>
            <input name="label" required maxLength={200} placeholder="Client monthly board" />
          </label>
          <label>
            <span>Password (optional, 8+ characters)</span>
            <input name="password" type="password" autoComplete="new-password" minLength={8} />
          </label>
          <label>
            <span>Expires on (optional)</span>
            <input name="expires" type="date" />
          </label>
          <label>
            <span>{FILTERS.page_path} only (optional, exact path)</span>
            <input name="page" placeholder="/pricing" />
          </label>
          <label>
            <span>May be embedded by (origins, optional)</span>
            <input name="origins" placeholder="https://client.example" />
          </label>
          <label className="check">
            <input name="csv" type="checkbox" />
            <span>Allow CSV downloads</span>
          </label>
          {error != null && <ErrorBox error={error} title="Could not make the link:" />}
          <button type="submit" className="primary">
            Make the link
          </button>
        </form>
        {made && (
          <div className="share-made" role="status">
            <p>Copy this address now: it is not stored and cannot be shown again.</p>
            <input readOnly value={made} aria-label="The new share link" onFocus={(e) => e.target.select()} />
          </div>
        )}
      </Panel>
      <Panel title="Links">
        <Async q={links} label="Loading the links…">
          {(l) =>
            l.items.length === 0 ? (
              <p className="muted">No share links yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Label</th>
                    <th>Status</th>
                    <th>Scope</th>
                    <th>Password</th>
                    <th>Expires</th>
                    <th>CSV</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {l.items.map((x) => (
                    <tr key={x.id}>
                      <td>{x.label}</td>
                      <td>{x.status}</td>
                      <td>{Object.values(x.filters).flat().join(', ') || 'whole site'}</td>
                      <td>{x.has_password ? 'yes' : 'no'}</td>
                      <td>{x.expires_at ? x.expires_at.slice(0, 10) : 'never'}</td>
                      <td>{x.allow_csv ? 'yes' : 'no'}</td>
                      <td>
                        {x.status !== 'revoked' && (
                          <button
                            type="button"
                            className="link"
                            onClick={async () => {
                              await api('DELETE', `/v1/sites/${siteId}/share-links/${x.id}`);
                              void reload();
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Panel>
    </>
  );
}
