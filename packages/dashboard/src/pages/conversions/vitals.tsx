// Web vitals: the 75th percentile of each metric, and the same split by page or by device.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../../api';
import { useView } from '../../queries';
import { statsQuery } from '../../state';
import { DataTable, type Column } from '../../table';
import type { Site } from '../../types';
import { Async, Empty, Panel } from '../../ui';
import '../../conversions.css';

interface VitalRow {
  value: string | null;
  metric: string;
  samples: number;
  p75: number;
  good: number;
  needs_improvement: number;
  poor: number;
}

const METRICS = ['lcp', 'inp', 'cls', 'fcp', 'ttfb'];

const fmtVital = (r: VitalRow) => (r.metric === 'cls' ? r.p75.toFixed(3) : `${Math.round(r.p75)} ms`);

function useVitals(site: Site, by?: 'page' | 'device') {
  const { view } = useView(site);
  const q = statsQuery(view);
  const split = by ? `&by=${by}&limit=20` : '';
  return useQuery({
    queryKey: ['vitals', site.id, q, ...(by ? [by] : [])],
    queryFn: () => get<{ items: VitalRow[] }>(`/v1/sites/${site.id}/stats/web-vitals?${q}${split}`),
  });
}

export function VitalsPage({ site }: { site: Site }) {
  const all = useVitals(site);
  return (
    <>
      <h1 className="page-title">Web vitals</h1>
      <Panel title="75th percentile">
        <Async q={all} label="Reading measurements…">
          {(v) =>
            v.items.length === 0 ? (
              <Empty>
                No measurement yet. Add <code>beacon-vitals.js</code> after the snippet (see the tracker
                docs).
              </Empty>
            ) : (
              <div className="vitals">
                {v.items.map((r) => (
                  <div key={r.metric} className="vital" data-vital={r.metric}>
                    <div className="muted small">{r.metric.toUpperCase()}</div>
                    <div className="value">{fmtVital(r)}</div>
                    <Split r={r} />
                  </div>
                ))}
              </div>
            )
          }
        </Async>
      </Panel>
      <VitalsByPanel site={site} />
    </>
  );
}

/** The vitals of each page (or device): a row per value, a column per metric. */
function VitalsByPanel({ site }: { site: Site }) {
  const [by, setBy] = useState<'page' | 'device'>('page');
  const split = useVitals(site, by);
  const items = split.data?.items ?? [];
  const values = [...new Set(items.map((r) => r.value))];
  const columns: Column<string | null>[] = [
    { head: by === 'page' ? 'Page' : 'Device', rowHeader: true, cell: (v) => v ?? '(none)' },
    ...METRICS.map((m) => ({
      head: m.toUpperCase(),
      num: true,
      cell: (v: string | null) => {
        const r = items.find((x) => x.value === v && x.metric === m);
        return r ? fmtVital(r) : '—';
      },
    })),
  ];
  return (
    <Panel
      title={by === 'page' ? 'By page' : 'By device'}
      actions={
        <select aria-label="Split by" value={by} onChange={(e) => setBy(e.target.value as 'page' | 'device')}>
          <option value="page">Page</option>
          <option value="device">Device</option>
        </select>
      }
    >
      <DataTable rows={values} rowKey={(v) => v ?? '(none)'} columns={columns} />
    </Panel>
  );
}

function Split({ r }: { r: VitalRow }) {
  const total = r.good + r.needs_improvement + r.poor || 1;
  const width = (n: number) => ({ width: `${(100 * n) / total}%` });
  return (
    <div
      className="split"
      title={`good ${r.good} · needs improvement ${r.needs_improvement} · poor ${r.poor}`}
    >
      <span className="good" style={width(r.good)} />
      <span className="ni" style={width(r.needs_improvement)} />
      <span className="poor" style={width(r.poor)} />
    </div>
  );
}
