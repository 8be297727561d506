import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { fmtYesNo } from '../format';
import { Check, Field, InputField, SubmitRow, useSubmit } from '../form';
import { FILTERS } from '../state';
import { DataTable } from '../table';
import type { Site } from '../types';
import { Async, BackLink, Empty, ErrorBox, Panel } from '../ui';

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

/** The POST body of a new link, from the form's fields (empty optional fields are left out). */
function linkOf(f: FormData) {
  const page = String(f.get('page') ?? '').trim();
  const expires = String(f.get('expires') ?? '');
  return {
    label: String(f.get('label')),
    ...(f.get('password') ? { password: String(f.get('password')) } : {}),
    ...(expires ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}),
    ...(page ? { filters: { page_path: [page] } } : {}),
    allow_csv: f.get('csv') === 'on',
    frame_ancestors: String(f.get('origins') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean),
  };
}

/** Share links of one site: make one (its address is shown once), see them all, revoke at once. */
export function SharingSettings({ siteId }: { siteId: string }) {
  const qc = useQueryClient();
  const site = useQuery({ queryKey: ['site', siteId], queryFn: () => get<Site>(`/v1/sites/${siteId}`) });
  const reload = () => qc.invalidateQueries({ queryKey: ['share-links', siteId] });
  return (
    <>
      <BackLink to={`/settings/sites/${siteId}`}>{site.data?.name ?? 'The site'}</BackLink>
      <h1 className="page-title">Share links</h1>
      <NewLinkPanel siteId={siteId} onMade={reload} />
      <LinksPanel siteId={siteId} reload={reload} />
    </>
  );
}

function NewLinkPanel({ siteId, onMade }: { siteId: string; onMade: () => unknown }) {
  const [made, setMade] = useState<string | null>(null);
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    const r = await api<{ url: string }>('POST', `/v1/sites/${siteId}/share-links`, linkOf(f));
    setMade(r.url);
    void onMade();
    return true;
  });
  return (
    <Panel title="New share link">
      <form className="form" onSubmit={onSubmit}>
        <InputField
          label="Label (who it is for)"
          name="label"
          required
          maxLength={200}
          placeholder="Client monthly board"
        />
        <InputField
          label="Password (optional, 8+ characters)"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={8}
        />
        <InputField label="Expires on (optional)" name="expires" type="date" />
        <Field label={`${FILTERS.page_path} only (optional, exact path)`}>
          <input name="page" placeholder="/pricing" />
        </Field>
        <InputField
          label="May be embedded by (origins, optional)"
          name="origins"
          placeholder="https://client.example"
        />
        <Check label="Allow CSV downloads">
          <input name="csv" type="checkbox" />
        </Check>
        <SubmitRow label="Make the link" busy={busy} error={error} errorTitle="Could not make the link:" />
      </form>
      {made && (
        <div className="share-made" role="status">
          <p>Copy this address now: it is not stored and cannot be shown again.</p>
          <input readOnly value={made} aria-label="The new share link" onFocus={(e) => e.target.select()} />
        </div>
      )}
    </Panel>
  );
}

function LinksPanel({ siteId, reload }: { siteId: string; reload: () => unknown }) {
  const links = useQuery({
    queryKey: ['share-links', siteId],
    queryFn: () => get<{ items: ShareLink[] }>(`/v1/sites/${siteId}/share-links`),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/sites/${siteId}/share-links/${id}`),
    onSuccess: () => void reload(),
  });
  return (
    <Panel title="Links">
      {revoke.error != null && <ErrorBox error={revoke.error} />}
      <Async q={links} label="Loading the links…">
        {(l) => (
          <DataTable
            rows={l.items}
            rowKey={(x) => x.id}
            empty={<Empty>No share links yet.</Empty>}
            columns={[
              { head: 'Label', cell: (x) => x.label },
              { head: 'Status', cell: (x) => x.status },
              { head: 'Scope', cell: (x) => Object.values(x.filters).flat().join(', ') || 'whole site' },
              { head: 'Password', cell: (x) => fmtYesNo(x.has_password) },
              { head: 'Expires', cell: (x) => (x.expires_at ? x.expires_at.slice(0, 10) : 'never') },
              { head: 'CSV', cell: (x) => fmtYesNo(x.allow_csv) },
              {
                head: '',
                cell: (x) =>
                  x.status !== 'revoked' && (
                    <button type="button" className="link" onClick={() => revoke.mutate(x.id)}>
                      Revoke
                    </button>
                  ),
              },
            ]}
          />
        )}
      </Async>
    </Panel>
  );
}
