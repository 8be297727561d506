import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../api';
import { ExportCsvButton, useDownload } from '../download';
import { fmtInt } from '../format';
import { DataTable, type Column } from '../table';
import { Async, ErrorBox, Facts, Panel } from '../ui';

/** A site's usage of a month (GET /v1/usage). */
interface UsageRow {
  site_id: string;
  site_name: string;
  domain: string;
  status: string;
  events_stored: number;
  page_views: number;
  bot_events: number;
  identified_companies: number;
  events_received: number;
  events_dropped: number;
  dropped_by_reason: Record<string, number>;
  events_rejected: number;
  monthly_event_quota: number | null;
  quota_used_pct: number | null;
}
interface Usage {
  month: string;
  api_calls: { total: number; user: number; api_key: number; share: number };
  items: UsageRow[];
}

/** Dropped hits by reason as `reason n` pairs, most first (the cell's tooltip). */
const reasons = (r: UsageRow) =>
  Object.entries(r.dropped_by_reason)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${fmtInt(n)}`)
    .join(', ');

const num = (head: string, col: keyof UsageRow, title?: string): Column<UsageRow> => ({
  head,
  num: true,
  col,
  title,
  cell: (r) => fmtInt(r[col] as number),
});

const COLUMNS: Column<UsageRow>[] = [
  {
    head: 'Site',
    rowHeader: true,
    cell: (r) => (
      <>
        {r.site_name}
        <div className="muted">{r.domain}</div>
      </>
    ),
  },
  num('Received', 'events_received', 'hits the collector accepted'),
  {
    ...num('Dropped', 'events_dropped', 'received but not stored: bots, duplicates, invalid'),
    cellProps: (r) => ({ title: reasons(r) || undefined }),
  },
  num('Rejected', 'events_rejected', 'hits the collector refused (origin, invalid hit…)'),
  num('Events stored', 'events_stored'),
  num('Page views', 'page_views'),
  num('Bot events', 'bot_events'),
  num('Companies', 'identified_companies'),
  {
    head: 'Quota',
    num: true,
    col: 'monthly_event_quota',
    title: 'monthly event quota (events stored); the share of it used this month',
    cell: (r) =>
      r.monthly_event_quota === null ? (
        <span className="muted">none</span>
      ) : (
        <>
          {fmtInt(r.monthly_event_quota)}
          <div className={r.quota_used_pct! >= 100 ? 'bad' : r.quota_used_pct! >= 80 ? 'warn' : 'muted'}>
            {r.quota_used_pct}% used
          </div>
        </>
      ),
  },
];

/** Usage per client for billing (admins): per site and month, and the agency's API calls. */
export function UsagePage() {
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const csv = useDownload();
  const q = useQuery({ queryKey: ['usage', month], queryFn: () => get<Usage>(`/v1/usage?month=${month}`) });
  const exportCsv = () => csv.start(`/v1/usage/export?month=${month}`, `usage-${month}.csv`);
  const actions = (
    <div className="actions">
      <label>
        <span className="sr-only">Month</span>
        <input
          type="month"
          aria-label="Month"
          value={month}
          onChange={(e) => e.target.value && setMonth(e.target.value)}
        />
      </label>
      <ExportCsvButton onClick={exportCsv} />
    </div>
  );
  return (
    <>
      <h1 className="page-title">Usage</h1>
      <p className="muted">
        Per client site and calendar month (UTC): what was received, kept and stored, against each site's
        monthly event quota.
      </p>
      {csv.error != null && <ErrorBox error={csv.error} title="The export failed:" />}
      <Async q={q} label="Loading usage…">
        {(u) => (
          <>
            <Panel title="API calls" actions={actions}>
              <Facts
                label="API calls of the month"
                testId="api-calls"
                items={[
                  { label: 'Total', value: fmtInt(u.api_calls.total), metric: 'total' },
                  { label: 'Dashboard users', value: fmtInt(u.api_calls.user), metric: 'user' },
                  { label: 'API keys', value: fmtInt(u.api_calls.api_key), metric: 'api_key' },
                  { label: 'Shared dashboards', value: fmtInt(u.api_calls.share), metric: 'share' },
                ]}
              />
            </Panel>
            <Panel title="Sites">
              <DataTable
                className="data usage"
                rows={u.items}
                rowKey={(r) => r.site_id}
                columns={COLUMNS}
                empty={<p className="muted">No sites.</p>}
              />
            </Panel>
          </>
        )}
      </Async>
    </>
  );
}
