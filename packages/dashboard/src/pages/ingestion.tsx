import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { fmtInt, fmtTime } from '../format';
import { useSession } from '../session';
import type { Site } from '../types';
import { DataTable } from '../table';
import { Async, CopyButton, Empty, Facts, Panel } from '../ui';

/** GET /v1/sites/{id}/ingestion-health (services/api/src/routes/ingest.ts). */
interface Counts {
  received: number;
  stored: number;
  rejected: Record<string, number>;
  dropped: Record<string, number>;
  dead_lettered: Record<string, number>;
}
interface Health {
  totals: Counts;
  hours: (Counts & { hour: string })[];
  dead_letters_waiting: number;
  warnings: { code: string; message: string; action: string }[];
}
interface IngestToken {
  id: string;
  name: string;
  token_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const reasons = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([r, n]) => `${r} ${fmtInt(n)}`)
    .join(', ') || '—';

/** What happened to the site's hits in the last 24 hours, with warnings to act on. */
export function IngestionHealthPanel({ site }: { site: Site }) {
  const q = useQuery({
    queryKey: ['ingestion-health', site.id],
    queryFn: () => get<Health>(`/v1/sites/${site.id}/ingestion-health?hours=24`),
    refetchInterval: 60_000,
  });
  return (
    <Panel title="Ingestion health (24 h)">
      <Async q={q} label="Loading ingestion health…">
        {(h) => (
          <>
            {h.warnings.map((w) => (
              <div className="error" role="alert" key={w.code} data-warning={w.code}>
                <strong>{w.message}</strong>
                <br />
                {w.action}
              </div>
            ))}
            <Facts
              testId="ingestion-totals"
              items={[
                { label: 'Received', value: fmtInt(h.totals.received) },
                { label: 'Stored', value: fmtInt(h.totals.stored) },
                { label: 'Rejected', value: reasons(h.totals.rejected) },
                { label: 'Dropped', value: reasons(h.totals.dropped) },
                {
                  label: 'Dead letters',
                  value: `${reasons(h.totals.dead_lettered)} (${fmtInt(h.dead_letters_waiting)} waiting)`,
                },
              ]}
            />
            {h.totals.received === 0 && <p className="muted">No hits received in the last 24 hours.</p>}
          </>
        )}
      </Async>
    </Panel>
  );
}

/** Ingest tokens of server-side events (docs/server-side.md): create (shown once), list, revoke. */
export function IngestTokensPanel({ site }: { site: Site }) {
  const { canWrite } = useSession();
  const client = useQueryClient();
  const base = `/v1/sites/${site.id}/ingest-tokens`;
  const q = useQuery({
    queryKey: ['ingest-tokens', site.id],
    queryFn: () => get<{ items: IngestToken[] }>(base),
    enabled: canWrite,
  });
  const reload = () => void client.invalidateQueries({ queryKey: ['ingest-tokens', site.id] });
  const revoke = useMutation({
    mutationFn: (id: string) => api<IngestToken>('DELETE', `${base}/${id}`),
    onSuccess: reload,
  });
  if (!canWrite) return null;
  return (
    <Panel title="Server-side events: ingest tokens">
      <p className="muted">
        A backend sends events to POST /v1/events on the collector with one of these tokens (see
        docs/server-side.md).
      </p>
      <NewToken base={base} onCreated={reload} />
      <Async q={q}>
        {(p) => (
          <DataTable
            scroll={false}
            rows={p.items}
            rowKey={(t) => t.id}
            empty={<Empty>No tokens yet.</Empty>}
            columns={[
              { head: 'Token', cell: (t) => <code>{t.token_prefix}…</code> },
              { head: 'Name', cell: (t) => t.name || '—' },
              {
                head: 'Last used',
                cell: (t) => (t.last_used_at ? fmtTime(t.last_used_at, site.config.timezone) : 'never'),
              },
              {
                head: '',
                cell: (t) =>
                  t.revoked_at ? (
                    'revoked'
                  ) : (
                    <button type="button" onClick={() => revoke.mutate(t.id)}>
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

/** Makes a token; its secret is shown this once (the API keeps only a hash). */
function NewToken({ base, onCreated }: { base: string; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<IngestToken & { token: string }>('POST', base, { name }),
    onSuccess: (t) => {
      setCreated(t.token);
      setName('');
      onCreated();
    },
  });
  return (
    <>
      {created && (
        <p role="status">
          New token, shown this once: <code>{created}</code> <CopyButton text={created} />
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          Name <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>{' '}
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
    </>
  );
}
