// Scheduled email reports of a site (services/api/src/routes/reports.ts): the schedules (admins and
// users), a preview sent now, and the delivery log (admins only, as the API walls it).
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { fmtTime, fmtYesNo } from '../format';
import { emailList, RecipientsField, SelectField } from '../form';
import { ItemForm, useItemList, type ItemFormTarget } from '../item-list';
import { useZone } from '../session';
import { ItemsTable, RowActions } from '../table';
import type { ReportDelivery, ReportPreviewSent, ReportSchedule } from '../types';
import { Empty, ErrorBox, Panel } from '../ui';

const FREQUENCIES = [
  ['weekly', 'Weekly (Monday to Sunday)'],
  ['monthly', 'Monthly (calendar month)'],
] as const;

/** The schedules of the site and the form that adds one or changes the one being edited. */
export function ReportSchedulesPanel({ siteId }: { siteId: string }) {
  const { list, editing, setEditing, remove, form } = useItemList<ReportSchedule>(
    ['report-schedules', siteId],
    `/v1/sites/${siteId}/reports`,
  );
  const [sent, setSent] = useState<string | null>(null);
  const preview = useMutation({
    mutationFn: (id: string) =>
      api<ReportPreviewSent>('POST', `/v1/sites/${siteId}/reports/${id}/send-now`, {}),
    onSuccess: (r) =>
      setSent(`Preview of ${r.period.start} to ${r.period.end} sent to ${r.sent_to.join(', ')}.`),
  });
  return (
    <Panel title="Scheduled email reports">
      <p className="muted small">
        Each report sums up the last complete week or month in the site’s timezone. The first one covers the
        first full period after the schedule is made.
      </p>
      {remove.error != null && <ErrorBox error={remove.error} title="Could not delete it:" />}
      {preview.error != null && <ErrorBox error={preview.error} title="Could not send the preview:" />}
      <p role="status">{sent}</p>
      <ItemsTable
        q={list}
        loading="Loading the schedules…"
        label="Report schedules"
        empty={<Empty>No scheduled report yet.</Empty>}
        columns={[
          { head: 'Frequency', cell: (s) => s.frequency, rowHeader: true },
          { head: 'Recipients', cell: (s) => s.recipients.join(', '), col: 'recipients' },
          { head: 'Enabled', cell: (s) => fmtYesNo(s.enabled) },
          {
            head: '',
            cell: (s) => (
              <RowActions onEdit={() => setEditing(s)} onDelete={() => remove.mutate(s.id)}>
                <button
                  type="button"
                  disabled={preview.isPending}
                  title="Sends the last complete period to the recipients now, marked [Preview]"
                  onClick={() => {
                    setSent(null);
                    preview.mutate(s.id);
                  }}
                >
                  Send a preview now
                </button>
              </RowActions>
            ),
          },
        ]}
      />
      <ScheduleForm key={editing?.id ?? 'new'} form={form} />
    </Panel>
  );
}

function ScheduleForm({ form }: { form: ItemFormTarget<ReportSchedule> }) {
  const editing = form.editing;
  return (
    <ItemForm
      {...form}
      body={(f) => ({
        frequency: String(f.get('frequency')),
        recipients: emailList(String(f.get('recipients'))),
      })}
      title={['New report', 'Change the report']}
      add="Schedule the report"
      save="Save the report"
      enabledLabel="Enabled (unticked: no email goes out)"
    >
      <SelectField
        label="Frequency"
        name="frequency"
        defaultValue={editing?.frequency ?? 'weekly'}
        options={FREQUENCIES}
      />
      <RecipientsField
        label="Report recipients (email addresses, separated by commas)"
        recipients={editing?.recipients}
        placeholder="ceo@client.example, marketing@client.example"
      />
    </ItemForm>
  );
}

const STATUS_TEXT: Record<ReportDelivery['status'], string> = {
  pending: 'waiting',
  sending: 'sending',
  sent: 'sent',
  failed: 'failed',
};

/** Every report email of the site, latest first: sent, waiting for a retry, or failed with its error. */
export function DeliveryLogPanel({ siteId }: { siteId: string }) {
  const tz = useZone();
  const q = useQuery({
    queryKey: ['report-deliveries', siteId],
    queryFn: () => get<{ items: ReportDelivery[] }>(`/v1/sites/${siteId}/reports/deliveries?limit=100`),
    refetchInterval: 30_000,
  });
  return (
    <Panel
      title="Delivery log"
      actions={
        <button type="button" onClick={() => void q.refetch()} disabled={q.isFetching}>
          Refresh
        </button>
      }
    >
      <p className="muted small">Scheduled sends only: previews are not logged.</p>
      <ItemsTable
        q={q}
        loading="Loading the delivery log…"
        label="Report deliveries"
        empty={<Empty>No report has gone out yet.</Empty>}
        rowProps={(d) => ({ 'data-status': d.status })}
        columns={[
          {
            head: 'Status',
            cell: (d) => <span className={`status status-${d.status}`}>{STATUS_TEXT[d.status]}</span>,
            col: 'status',
          },
          { head: 'Recipient', cell: (d) => d.recipient, col: 'recipient' },
          { head: 'Period', cell: (d) => `${d.period_start} to ${d.period_end}`, col: 'period' },
          { head: 'Attempts', cell: (d) => d.attempts, num: true },
          { head: 'Sent at', cell: (d) => (d.sent_at ? fmtTime(d.sent_at, tz) : '—'), col: 'sent' },
          { head: 'Error', cell: (d) => d.last_error ?? '', col: 'error' },
        ]}
      />
    </Panel>
  );
}
