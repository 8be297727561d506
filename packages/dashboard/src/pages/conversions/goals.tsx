// Goals: how each converts in the view of the URL, the form that defines one, saved segments, revenue.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../../api';
import { fmtInt, fmtPct } from '../../format';
import { Field, InputField, onFields, SelectField, SubmitRow } from '../../form';
import { useGoals, useRefreshGoals, useView, type Goal } from '../../queries';
import { navigate } from '../../router';
import { useSession } from '../../session';
import { statsQuery } from '../../state';
import { DataTable, type Column } from '../../table';
import type { Site } from '../../types';
import { Async, Empty, ErrorBox, Facts, Panel } from '../../ui';
import { money, withParam } from './links';
import { SegmentsPanel } from './segments';
import '../../conversions.css';

interface GoalFigure {
  goal_id: string;
  name: string;
  conversions: number;
  converters: number;
  conversion_rate: number | null;
  value: number | null;
}
interface Money {
  currency: string;
  revenue: number;
  orders: number;
  average_order_value: number | null;
  revenue_per_visitor: number | null;
}
interface Revenue extends Money {
  visitors: number;
  other_currencies: Money[];
}

const KINDS = [
  ['page', 'Page visited'],
  ['event', 'Custom event'],
  ['form_submit', 'Form submitted'],
  ['file_download', 'File downloaded'],
  ['outbound_link', 'Outbound link clicked'],
  ['lead', 'Lead'],
  ['purchase', 'Purchase'],
] as const;

export function GoalsPage({ site }: { site: Site }) {
  const { canWrite } = useSession();
  return (
    <>
      <h1 className="page-title">Goals</h1>
      <ConversionsPanel site={site} />
      {canWrite && <GoalForm site={site} />}
      <SegmentsPanel site={site} />
      <RevenuePanel site={site} />
    </>
  );
}

function ConversionsPanel({ site }: { site: Site }) {
  const { view } = useView(site);
  const { canWrite } = useSession();
  const q = statsQuery(view);
  const figures = useQuery({
    queryKey: ['goal-figures', site.id, q],
    queryFn: () => get<{ visitors: number; items: GoalFigure[] }>(`/v1/sites/${site.id}/stats/goals?${q}`),
  });
  const goals = useGoals(site);
  const refresh = useRefreshGoals();
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/sites/${site.id}/goals/${id}`),
    onSuccess: refresh,
  });
  const byId = new Map((goals.data?.items ?? []).map((g) => [g.id, g]));
  const columns = useGoalColumns(site, byId, canWrite ? (g) => remove.mutate(g.goal_id) : null);
  return (
    <Panel title="Conversions">
      <Async q={figures} label="Counting conversions…">
        {(f) => (
          <DataTable
            label="Goal conversions"
            rows={f.items}
            rowKey={(g) => g.goal_id}
            rowProps={(g) => ({ 'data-goal': g.name })}
            columns={columns}
            empty={
              <Empty>No goal yet.{canWrite ? ' Define one below: it counts past visits too.' : ''}</Empty>
            }
          />
        )}
      </Async>
      {figures.data && figures.data.items.length > 0 && (
        <p className="muted small">
          Conversion rate: converters out of {fmtInt(figures.data.visitors)} visitors in this period.
        </p>
      )}
      {remove.error && <ErrorBox error={remove.error} />}
    </Panel>
  );
}

function useGoalColumns(
  site: Site,
  byId: Map<string, Goal>,
  remove: ((g: GoalFigure) => void) | null,
): Column<GoalFigure>[] {
  const { keep } = useView(site);
  const visitors = (g: GoalFigure) =>
    navigate(`/sites/${site.id}/overview${withParam(keep, 'goal', g.goal_id)}`);
  return [
    {
      head: 'Goal',
      rowHeader: true,
      cell: (g) => (
        <>
          {g.name}
          <div className="muted small">{describe(byId.get(g.goal_id))}</div>
        </>
      ),
    },
    { head: 'Conversions', num: true, col: 'conversions', cell: (g) => fmtInt(g.conversions) },
    { head: 'Converters', num: true, col: 'converters', cell: (g) => fmtInt(g.converters) },
    { head: 'Conversion rate', num: true, col: 'rate', cell: (g) => fmtPct(g.conversion_rate) },
    {
      head: 'Value',
      num: true,
      cell: (g) => (g.value == null ? '—' : money(g.value, site.config.currency ?? 'USD')),
    },
    {
      head: '',
      cell: (g) => (
        <div className="row-actions">
          <button
            type="button"
            title="Show only visitors who converted on this goal"
            onClick={() => visitors(g)}
          >
            Visitors
          </button>
          {remove && (
            <button
              type="button"
              className="danger"
              onClick={() => confirm(`Delete the goal “${g.name}”? No visit data is deleted.`) && remove(g)}
            >
              Delete
            </button>
          )}
        </div>
      ),
    },
  ];
}

function RevenuePanel({ site }: { site: Site }) {
  const { view } = useView(site);
  const q = statsQuery(view);
  const revenue = useQuery({
    queryKey: ['revenue', site.id, q],
    queryFn: () => get<Revenue>(`/v1/sites/${site.id}/stats/revenue?${q}`),
  });
  return (
    <Panel title="Revenue">
      <Async q={revenue} label="Adding up orders…">
        {(r) => (
          <div data-revenue>
            <Facts
              items={[
                { label: 'Revenue', value: money(r.revenue, r.currency), metric: 'revenue' },
                { label: 'Orders', value: fmtInt(r.orders), metric: 'orders' },
                { label: 'Average order', value: money(r.average_order_value, r.currency) },
                { label: 'Per visitor', value: money(r.revenue_per_visitor, r.currency) },
              ]}
            />
            {r.other_currencies.length > 0 && (
              <p className="muted small">
                Also, as sent (not converted):{' '}
                {r.other_currencies
                  .map((c) => `${money(c.revenue, c.currency)} in ${fmtInt(c.orders)} orders`)
                  .join(' · ')}
              </p>
            )}
          </div>
        )}
      </Async>
    </Panel>
  );
}

function describe(g: Goal | undefined): string {
  if (!g) return '';
  const what =
    g.kind === 'page'
      ? `page ${g.page_pattern}`
      : g.kind === 'event'
        ? `event ${g.event_name}`
        : (KINDS.find((k) => k[0] === g.kind)?.[1] ?? g.kind).toLowerCase();
  const prop = g.property ? ` where ${g.property.key} = ${g.property.value}` : '';
  const value =
    g.value?.mode === 'fixed'
      ? `, worth ${g.value.amount}`
      : g.value?.mode === 'event'
        ? `, value from “${g.value.key}”`
        : '';
  return what + prop + value;
}

/** The POST body of a goal of `kind`, from the form's fields. */
function goalOf(kind: string, f: FormData): Record<string, unknown> {
  const text = (k: string) => String(f.get(k) ?? '').trim();
  const body: Record<string, unknown> = { name: text('name'), kind };
  if (kind === 'page') body.page_pattern = text('page_pattern');
  if (kind === 'event') body.event_name = text('event_name');
  if (text('property_key')) body.property = { key: text('property_key'), value: text('property_value') };
  const amount = text('amount');
  if (amount) body.value = { mode: 'fixed', amount: Number(amount) };
  else if (kind === 'purchase' || kind === 'lead') body.value = { mode: 'event', key: 'value' };
  return body;
}

function GoalForm({ site }: { site: Site }) {
  const refresh = useRefreshGoals();
  const [kind, setKind] = useState<string>('page');
  const create = useMutation({
    mutationFn: (body: unknown) => api('POST', `/v1/sites/${site.id}/goals`, body),
    onSuccess: refresh,
  });
  return (
    <Panel title="Define a goal">
      <form
        className="form"
        onSubmit={onFields((f, form) => create.mutate(goalOf(kind, f), { onSuccess: () => form.reset() }))}
      >
        <InputField label="Name" name="name" required maxLength={120} placeholder="Signed up" />
        <SelectField label="Counts when" name="kind" value={kind} onValue={setKind} options={KINDS} />
        <GoalMatchFields kind={kind} />
        <Field
          label={`Value per conversion (optional${kind === 'purchase' || kind === 'lead' ? '; default: the value sent' : ''})`}
        >
          <input name="amount" type="number" min="0" step="0.01" />
        </Field>
        <SubmitRow label="Add goal" busy={create.isPending} error={create.error} />
      </form>
    </Panel>
  );
}

/** What a goal of `kind` matches: a page pattern, an event name, or a property of the event. */
function GoalMatchFields({ kind }: { kind: string }) {
  if (kind === 'page')
    return (
      <InputField
        label="Page path (* one segment, ** any depth)"
        name="page_pattern"
        required
        placeholder="/thank-you or /blog/*"
        pattern="/.*"
      />
    );
  return (
    <>
      {kind === 'event' && <InputField label="Event name" name="event_name" required placeholder="signup" />}
      <div className="row">
        <InputField label="Only when property (optional)" name="property_key" placeholder="form_id" />
        <InputField label="equals" name="property_value" placeholder="contact" />
      </div>
    </>
  );
}
