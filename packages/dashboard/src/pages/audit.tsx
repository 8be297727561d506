import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../api';
import { fmtTime } from '../format';
import { useZone } from '../session';
import type { AuditEntry, Page } from '../types';
import { ErrorBox, Loading, Panel } from '../ui';

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

/** The agency's audit log (admins): who did what, when, from where. GET /v1/audit, 50 a page. */
export function AuditLog() {
  const tz = useZone();
  const [action, setAction] = useState('');
  const q = useInfiniteQuery({
    queryKey: ['audit', action],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      get<Page<AuditEntry>>(
        `/v1/audit?limit=50${action ? `&action=${encodeURIComponent(action)}` : ''}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
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
              {FILTERS.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        }
      >
        {q.error && <ErrorBox error={q.error} />}
        {q.isPending ? (
          <Loading />
        ) : items.length === 0 ? (
          <p className="muted">No entries.</p>
        ) : (
          <div className="scroll">
            <table className="data audit">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Who</th>
                  <th scope="col">From</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td>{fmtTime(e.at, tz)}</td>
                    <th scope="row">
                      <code>{e.action}</code>
                      {e.target.id && <div className="muted">{`${e.target.type} ${e.target.id}`}</div>}
                    </th>
                    <td>{who(e)}</td>
                    <td title={e.user_agent ?? undefined}>{e.ip ?? '—'}</td>
                    <td>{details(e.details)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {q.hasNextPage && (
          <button type="button" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
            {q.isFetchingNextPage ? 'Loading…' : 'Older entries'}
          </button>
        )}
      </Panel>
    </>
  );
}
