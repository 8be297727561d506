// Traffic alerts by email of a site (services/api/src/routes/alerts.ts): the last complete hour's page
// views against the same hour of the four weeks before; a spike or a drop past its threshold emails the
// recipients, then the alert rests for its cooldown. The API keeps the last alert of each (no log).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { fmtInt, fmtTime, fmtYesNo } from '../format';
import { AddOrSaveRow, Check, emailList, Field, useSubmit } from '../form';
import { useZone } from '../session';
import { DataTable, RowActions } from '../table';
import type { TrafficAlert } from '../types';
import { Async, Empty, ErrorBox, Panel } from '../ui';

/** The number fields of an alert: name, label, bounds (the API's) and default (the API's). */
const NUMBERS = [
  ['spike_pct', 'Spike: hour at least this % above usual', 10, 10_000, 100],
  ['drop_pct', 'Drop: hour at least this % below usual', 10, 100, 50],
  ['min_usual', 'Quiet hours: no alert while the usual hour has fewer page views than', 1, 1_000_000, 20],
  ['cooldown_h', 'Cooldown: hours without another alert after one', 1, 720, 6],
] as const;

export function TrafficAlertsPanel({ siteId }: { siteId: string }) {
  const qc = useQueryClient();
  const tz = useZone();
  const key = ['traffic-alerts', siteId];
  const list = useQuery({
    queryKey: key,
    queryFn: () => get<{ items: TrafficAlert[] }>(`/v1/sites/${siteId}/alerts`),
  });
  const [editing, setEditing] = useState<TrafficAlert | null>(null);
  const reload = () => qc.invalidateQueries({ queryKey: key });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/sites/${siteId}/alerts/${id}`),
    onSuccess: () => void reload(),
  });
  return (
    <Panel title="Traffic alerts">
      <p className="muted small">
        Every hour, the last complete hour’s page views are compared with the same hour of the four weeks
        before; a spike or a drop past its threshold emails the recipients.
      </p>
      {remove.error != null && <ErrorBox error={remove.error} title="Could not delete it:" />}
      <Async q={list} label="Loading the alerts…">
        {(l) => (
          <DataTable
            rows={l.items}
            rowKey={(a) => a.id}
            label="Traffic alerts"
            empty={<Empty>No traffic alert yet.</Empty>}
            columns={[
              {
                head: 'Recipients',
                cell: (a) => a.recipients.join(', '),
                rowHeader: true,
                col: 'recipients',
              },
              { head: 'Spike', cell: (a) => `+${fmtInt(a.spike_pct)} %`, num: true, col: 'spike' },
              { head: 'Drop', cell: (a) => `−${fmtInt(a.drop_pct)} %`, num: true, col: 'drop' },
              { head: 'Usual ≥', cell: (a) => fmtInt(a.min_usual), num: true },
              { head: 'Cooldown', cell: (a) => `${a.cooldown_h} h`, num: true, col: 'cooldown' },
              { head: 'Enabled', cell: (a) => fmtYesNo(a.enabled) },
              {
                head: 'Last alert',
                col: 'last',
                cell: (a) =>
                  a.last_alert_at ? `${a.last_alert_kind}, ${fmtTime(a.last_alert_at, tz)}` : 'none yet',
              },
              {
                head: '',
                cell: (a) => <RowActions onEdit={() => setEditing(a)} onDelete={() => remove.mutate(a.id)} />,
              },
            ]}
          />
        )}
      </Async>
      <AlertForm
        key={editing?.id ?? 'new'}
        siteId={siteId}
        editing={editing}
        onDone={() => {
          setEditing(null);
          void reload();
        }}
      />
    </Panel>
  );
}

function AlertForm({
  siteId,
  editing,
  onDone,
}: {
  siteId: string;
  editing: TrafficAlert | null;
  onDone: () => void;
}) {
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    const body = {
      recipients: emailList(String(f.get('recipients'))),
      ...Object.fromEntries(NUMBERS.map(([name]) => [name, Number(f.get(name))])),
      ...(editing ? { enabled: f.get('enabled') === 'on' } : {}),
    };
    const base = `/v1/sites/${siteId}/alerts`;
    await (editing ? api('PATCH', `${base}/${editing.id}`, body) : api('POST', base, body));
    onDone();
    return true;
  });
  return (
    <form className="form" onSubmit={onSubmit} aria-label={editing ? 'Change the alert' : 'New alert'}>
      <h3>{editing ? 'Change the alert' : 'New alert'}</h3>
      <Field label="Alert recipients (email addresses, separated by commas)">
        <textarea
          name="recipients"
          rows={2}
          required
          defaultValue={editing?.recipients.join(', ') ?? ''}
          placeholder="oncall@agency.example"
        />
      </Field>
      {NUMBERS.map(([name, label, min, max, dflt]) => (
        <Field key={name} label={label}>
          <input
            name={name}
            type="number"
            min={min}
            max={max}
            step={1}
            required
            defaultValue={editing ? editing[name] : dflt}
          />
        </Field>
      ))}
      {editing && (
        <Check label="Enabled (unticked: no alert goes out)">
          <input name="enabled" type="checkbox" defaultChecked={editing.enabled} />
        </Check>
      )}
      <AddOrSaveRow
        editing={!!editing}
        add="Add the alert"
        save="Save the alert"
        busy={busy}
        error={error}
        onCancel={onDone}
      />
    </form>
  );
}
