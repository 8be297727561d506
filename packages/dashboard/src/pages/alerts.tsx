// Traffic alerts by email of a site (services/api/src/routes/alerts.ts): the last complete hour's page
// views against the same hour of the four weeks before; a spike or a drop past its threshold emails the
// recipients, then the alert rests for its cooldown. The API keeps the last alert of each (no log).
import { fmtInt, fmtTime, fmtYesNo } from '../format';
import { emailList, InputField, RecipientsField } from '../form';
import { ItemForm, useItemList, type ItemFormTarget } from '../item-list';
import { useZone } from '../session';
import { ItemsTable, RowActions } from '../table';
import type { TrafficAlert } from '../types';
import { Empty, ErrorBox, Panel } from '../ui';

/** The number fields of an alert: name, label, bounds (the API's) and default (the API's). */
const NUMBERS = [
  ['spike_pct', 'Spike: hour at least this % above usual', 10, 10_000, 100],
  ['drop_pct', 'Drop: hour at least this % below usual', 10, 100, 50],
  ['min_usual', 'Quiet hours: no alert while the usual hour has fewer page views than', 1, 1_000_000, 20],
  ['cooldown_h', 'Cooldown: hours without another alert after one', 1, 720, 6],
] as const;

export function TrafficAlertsPanel({ siteId }: { siteId: string }) {
  const tz = useZone();
  const { list, editing, setEditing, remove, form } = useItemList<TrafficAlert>(
    ['traffic-alerts', siteId],
    `/v1/sites/${siteId}/alerts`,
  );
  return (
    <Panel title="Traffic alerts">
      <p className="muted small">
        Every hour, the last complete hour’s page views are compared with the same hour of the four weeks
        before; a spike or a drop past its threshold emails the recipients.
      </p>
      {remove.error != null && <ErrorBox error={remove.error} title="Could not delete it:" />}
      <ItemsTable
        q={list}
        loading="Loading the alerts…"
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
      <AlertForm key={editing?.id ?? 'new'} form={form} />
    </Panel>
  );
}

function AlertForm({ form }: { form: ItemFormTarget<TrafficAlert> }) {
  const editing = form.editing;
  return (
    <ItemForm
      {...form}
      body={(f) => ({
        recipients: emailList(String(f.get('recipients'))),
        ...Object.fromEntries(NUMBERS.map(([name]) => [name, Number(f.get(name))])),
      })}
      title={['New alert', 'Change the alert']}
      add="Add the alert"
      save="Save the alert"
      enabledLabel="Enabled (unticked: no alert goes out)"
    >
      <RecipientsField
        label="Alert recipients (email addresses, separated by commas)"
        recipients={editing?.recipients}
        placeholder="oncall@agency.example"
      />
      {NUMBERS.map(([name, label, min, max, dflt]) => (
        <InputField
          key={name}
          label={label}
          name={name}
          type="number"
          min={min}
          max={max}
          step={1}
          required
          defaultValue={editing ? editing[name] : dflt}
        />
      ))}
    </ItemForm>
  );
}
