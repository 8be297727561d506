import { useState } from 'react';
import { fmtTime } from '../format';
import { Options } from '../form';
import { useCursorList } from '../queries';
import { useZone } from '../session';
import { DataTable, type Column } from '../table';
import type { AuditEntry } from '../types';
import { Empty, ErrorBox, Loading, MoreButton, Panel } from '../ui';

const FILTERS: [string, string][] = [
  ['', 'Every action'],
  ['user.', 'Users and roles'],
  ['site.', 'Sites'],
  ['api_key.', 'API keys'],
  ['agency.', 'Agency settings'],
  ['privacy.', 'Data subject requests'],
];

function who(e: AuditEntry): string {
  if (e.actor.type === 'api_key') return 'API key';
  return e.actor.email ?? e.actor.user_id ?? e.actor.type;
}

/** Details as short `key: value` text (never identifiers of a data subject: the API keeps none). */
function details(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(
      ([k, v]) =>
        `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    )
    .join(' · ');
}

const COLUMNS = (tz: string): Column<AuditEntry>[] => [
  { head: 'When', cell: (e) => fmtTime(e.at, tz) },
  {
    head: 'Action',
    rowHeader: true,
    cell: (e) => (
      <>
        <code>{e.action}</code>
        {e.target.id && <div className="muted">{`${e.target.type} ${e.target.id}`}</div>}
      </>
    ),
  },
  { head: 'Who', cell: who },
  { head: 'From', cell: (e) => e.ip ?? '—', cellProps: (e) => ({ title: e.user_agent ?? undefined }) },
  { head: 'Details', cell: (e) => details(e.details) },
];

/** The agency's audit log (admins): who did what, when, from where. GET /v1/audit, 50 a page. */
export function AuditLog() {
  const tz = useZone();
  const [action, setAction] = useState('');
  const filter = action ? `&action=${encodeURIComponent(action)}` : '';
  const { q, items } = useCursorList<AuditEntry>(['audit', action], `/v1/audit?limit=50${filter}`);
  return (
    <>
      <h1 className="page-title">Audit log</h1>
      <p className="muted">
        Changes to users, roles, sites, API keys and agency settings, and every data subject request (find,
        export, erase), with who made them, when and from where.
      </p>
      <Panel
        title="Entries"
        actions={
          <label>
            <span className="sr-only">Show</span>
            <select aria-label="Show" value={action} onChange={(e) => setAction(e.target.value)}>
              <Options of={FILTERS} />
            </select>
          </label>
        }
      >
        {q.error && <ErrorBox error={q.error} />}
        {q.isPending ? (
          <Loading />
        ) : (
          <DataTable
            className="data audit"
            rows={items}
            rowKey={(e) => e.id}
            columns={COLUMNS(tz)}
            empty={<Empty>No entries.</Empty>}
          />
        )}
        <MoreButton q={q} label="Older entries" />
      </Panel>
    </>
  );
}
