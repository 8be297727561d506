import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { fmtBucket, fmtInt, fmtTime } from '../format';
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
  from: string;
  to: string;
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

/** The API's reason codes (services/api/src/routes/ingest.ts) in the words of the settings page. */
const REASONS: Record<string, string> = {
  origin_not_allowed: 'from a domain not in Allowed domains',
  invalid_hit: 'invalid',
  site_paused: 'site paused',
  site_deleted: 'site deleted',
  'bot:no_user_agent': 'bot: no User-Agent',
  'bot:ua': 'bot: bot User-Agent',
  'bot:crawler_range': 'bot: crawler IP range',
  'bot:datacenter_no_browser': 'bot: data centre, no browser',
  'bot:unknown': 'bot',
  consent: 'no consent',
  duplicate: 'duplicate (a retry)',
  invalid: 'unusable',
  enricher: 'in the enricher',
  writer: 'in the writer',
};
const reasonText = (r: string) => REASONS[r] ?? r.replace(/_/g, ' ');
/** The API's warnings are phrases ("all 3 hits ..."); the panel shows them as sentences. */
const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A count with its reasons in words below it, one a line: "2", "1 bot: no User-Agent", "1 duplicate (a retry)". */
function ByReason({ counts }: { counts: Record<string, number> }) {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return <>0</>;
  return (
    <>
      {fmtInt(total)}
      {entries.map(([r, n]) => (
        <span key={r} className="muted small" style={{ display: 'block' }}>
          {fmtInt(n)} {reasonText(r)}
        </span>
      ))}
    </>
  );
}

const HOUR = 3_600_000;
type HourRow = Counts & { from: number; to: number; quiet: boolean };
const zero = (): Counts => ({ received: 0, stored: 0, rejected: {}, dropped: {}, dead_lettered: {} });

/** The window's hours, newest first; a run of hours without hits is one row (`from`..`to`). */
function hourRows(h: Health): HourRow[] {
  const byHour = new Map(h.hours.map((x) => [Date.parse(x.hour), x]));
  const out: HourRow[] = [];
  for (let t = Date.parse(h.to) - HOUR; t >= Date.parse(h.from); t -= HOUR) {
    const counts = byHour.get(t);
    const last = out[out.length - 1];
    if (!counts && last?.quiet) last.from = t;
    else out.push({ ...(counts ?? zero()), from: t, to: t, quiet: !counts });
  }
  return out;
}

function HealthHours({ h, tz }: { h: Health; tz: string }) {
  const hour = (t: number) => fmtBucket(t, tz, 'hour');
  return (
    <DataTable
      label="Hits per hour"
      rows={hourRows(h)}
      rowKey={(r) => r.to}
      columns={[
        {
          head: 'Hour',
          cell: (r) => (r.from === r.to ? hour(r.to) : `${hour(r.from)} – ${hour(r.to)}`),
        },
        { head: 'Received', num: true, cell: (r) => fmtInt(r.received) },
        { head: 'Rejected', num: true, cell: (r) => <ByReason counts={r.rejected} /> },
        { head: 'Dropped', num: true, cell: (r) => <ByReason counts={r.dropped} /> },
        { head: 'Dead-lettered', num: true, cell: (r) => <ByReason counts={r.dead_lettered} /> },
        { head: 'Stored', num: true, cell: (r) => fmtInt(r.stored) },
      ]}
    />
  );
}

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
                <strong>{sentence(w.message)}.</strong>
                <br />
                {sentence(w.action)}.
              </div>
            ))}
            <Facts
              testId="ingestion-totals"
              items={[
                { label: 'Received', value: fmtInt(h.totals.received) },
                { label: 'Rejected', value: <ByReason counts={h.totals.rejected} /> },
                { label: 'Dropped', value: <ByReason counts={h.totals.dropped} /> },
                { label: 'Dead-lettered', value: <ByReason counts={h.totals.dead_lettered} /> },
                { label: 'Stored', value: fmtInt(h.totals.stored) },
                { label: 'Dead letters waiting', value: fmtInt(h.dead_letters_waiting) },
              ]}
            />
            <p className="muted small">
              Each hit received is rejected by the collector, or accepted and then dropped, dead-lettered or
              stored; hits still in the queue are counted once they are processed. Times in{' '}
              {site.config.timezone}.
            </p>
            {h.totals.received === 0 ? (
              <p className="muted">No hits received in the last 24 hours.</p>
            ) : (
              <HealthHours h={h} tz={site.config.timezone} />
            )}
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
              { head: 'Created', cell: (t) => fmtTime(t.created_at, site.config.timezone) },
              {
                head: 'Last used',
                cell: (t) => (t.last_used_at ? fmtTime(t.last_used_at, site.config.timezone) : 'never'),
              },
              {
                head: '',
                cell: (t) =>
                  t.revoked_at ? (
                    `revoked ${fmtTime(t.revoked_at, site.config.timezone)}`
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
