// Funnels: pick one and read its steps (split by a dimension if asked), or build a new one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../../api';
import { fmtDuration, fmtInt, fmtPct } from '../../format';
import { Field, InputField, onFields, Options, SelectField, SubmitRow } from '../../form';
import { useGoals, useView, type Goal } from '../../queries';
import { useSession } from '../../session';
import { statsQuery } from '../../state';
import { barWidth, DataTable } from '../../table';
import type { FunnelStepFigures as StepFigures, Site } from '../../types';
import { Async, Empty, Panel } from '../../ui';
import '../../conversions.css';

type Step =
  | { type: 'page'; page_pattern: string }
  | { type: 'event'; event_name: string }
  | { type: 'goal'; goal_id: string };
interface Funnel {
  id: string;
  name: string;
  steps: Step[];
  window: { mode: 'session' } | { mode: 'visitor'; days: number };
  direct: boolean;
}

export function FunnelsPage({ site }: { site: Site }) {
  const { canWrite } = useSession();
  const funnels = useQuery({
    queryKey: ['funnels', site.id],
    queryFn: () => get<{ items: Funnel[] }>(`/v1/sites/${site.id}/funnels`),
  });
  const [open, setOpen] = useState<string | null>(null);
  const chosen = funnels.data?.items.find((f) => f.id === open) ?? funnels.data?.items[0];
  return (
    <>
      <h1 className="page-title">Funnels</h1>
      <Async q={funnels} label="Loading funnels…">
        {(list) =>
          list.items.length === 0 ? (
            <Empty>No funnel yet.{canWrite ? ' Build one below.' : ''}</Empty>
          ) : (
            <>
              <SelectField
                label="Funnel"
                className="inline"
                aria-label="Funnel"
                value={chosen?.id}
                onValue={setOpen}
                options={list.items.map((f) => [f.id, f.name] as const)}
              />
              {chosen && <FunnelFigures site={site} funnel={chosen} />}
            </>
          )
        }
      </Async>
      {canWrite && <FunnelBuilder site={site} onSaved={setOpen} />}
    </>
  );
}

function stepLabel(s: Step, goals: Map<string, string>): string {
  return s.type === 'page'
    ? `Page ${s.page_pattern}`
    : s.type === 'event'
      ? `Event ${s.event_name}`
      : `Goal ${goals.get(s.goal_id) ?? '?'}`;
}

const SPLITS = [
  ['', '—'],
  ['channel', 'Channel'],
  ['device', 'Device'],
  ['country', 'Country'],
  ['company', 'Company'],
] as const;

type FunnelStats = {
  steps: StepFigures[];
  breakdown?: { items: { value: string | null; steps: StepFigures[] }[] };
};

function FunnelFigures({ site, funnel }: { site: Site; funnel: Funnel }) {
  const { view } = useView(site);
  const [by, setBy] = useState('');
  const q = statsQuery(view, by ? { breakdown: by } : {});
  const goals = useGoals(site);
  const names = new Map((goals.data?.items ?? []).map((g) => [g.id, g.name]));
  const labels = funnel.steps.map((x) => stepLabel(x, names));
  const stats = useQuery({
    queryKey: ['funnel', site.id, funnel.id, q],
    queryFn: () => get<FunnelStats>(`/v1/sites/${site.id}/funnels/${funnel.id}/stats?${q}`),
  });
  const split = (
    <SelectField label="Split by" className="inline" value={by} onValue={setBy} options={SPLITS} />
  );
  return (
    <Panel title={funnel.name} actions={split}>
      <p className="muted small">
        {funnel.window.mode === 'session'
          ? 'Every step in one visit.'
          : `By visitor (logged-in users across devices), within ${funnel.window.days} days of the first step.`}
        {funnel.direct && ' Each step directly follows the previous one.'}
      </p>
      <Async q={stats} label="Walking the funnel…">
        {(s) => (
          <>
            <StepBars steps={s.steps} labels={labels} />
            {s.breakdown?.items.map((b) => (
              <div key={b.value ?? '(none)'} className="funnel-split">
                <h3>{b.value ?? '(none)'}</h3>
                <StepBars steps={b.steps} labels={labels} />
              </div>
            ))}
          </>
        )}
      </Async>
    </Panel>
  );
}

/** After the first step: a step's figure, else nothing (the first step is where everyone starts). */
const later = (s: StepFigures, text: string) => (s.step === 1 ? '' : text);

function StepBars({ steps, labels }: { steps: StepFigures[]; labels: string[] }) {
  const max = steps[0]?.visitors ?? 0;
  return (
    <DataTable
      className="bars funnel"
      label="Funnel steps"
      scroll={false}
      rows={steps}
      rowKey={(s) => s.step}
      rowProps={(s) => ({ 'data-step': s.step, style: barWidth(s.visitors, max) })}
      columns={[
        { head: 'Step', cell: (s) => `${s.step}. ${labels[s.step - 1]}` },
        { head: 'Visitors', num: true, col: 'visitors', cell: (s) => fmtInt(s.visitors) },
        { head: 'From previous', num: true, cell: (s) => later(s, fmtPct(s.conversion_from_previous)) },
        { head: 'Drop-off', num: true, cell: (s) => later(s, fmtInt(s.drop_off)) },
        {
          head: 'Median time',
          num: true,
          cell: (s) => later(s, fmtDuration(s.median_seconds_from_previous)),
        },
      ]}
    />
  );
}

const NEW_STEP: Step = { type: 'page', page_pattern: '' };

function FunnelBuilder({ site, onSaved }: { site: Site; onSaved: (id: string) => void }) {
  const qc = useQueryClient();
  const goals = useGoals(site);
  const [steps, setSteps] = useState<Step[]>([{ type: 'page', page_pattern: '/' }, NEW_STEP]);
  const [mode, setMode] = useState<'session' | 'visitor'>('session');
  const save = useMutation({
    mutationFn: (body: unknown) => api<Funnel>('POST', `/v1/sites/${site.id}/funnels`, body),
    onSuccess: async (f) => {
      await qc.invalidateQueries({ queryKey: ['funnels', site.id] });
      onSaved(f.id);
    },
  });
  const set = (i: number, s: Step) => setSteps(steps.map((x, j) => (j === i ? s : x)));
  return (
    <Panel title="Build a funnel">
      <form
        className="form"
        onSubmit={onFields((f) =>
          save.mutate({
            name: String(f.get('name')).trim(),
            steps,
            window: mode === 'session' ? { mode } : { mode, days: Number(f.get('days')) },
            direct: f.get('direct') === 'on',
          }),
        )}
      >
        <InputField label="Name" name="name" required maxLength={120} placeholder="Pricing to signup" />
        <ol className="steps">
          {steps.map((s, i) => (
            <li key={i} className="row">
              <StepEditor n={i + 1} step={s} goals={goals.data?.items ?? []} onChange={(x) => set(i, x)} />
              {steps.length > 2 && (
                <button type="button" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ol>
        {steps.length < 8 && (
          <button type="button" onClick={() => setSteps([...steps, NEW_STEP])}>
            Add a step
          </button>
        )}
        <WindowFields mode={mode} setMode={setMode} />
        <SubmitRow label="Save funnel" busy={save.isPending} error={save.error} />
      </form>
    </Panel>
  );
}

/** A new step of the kind chosen, empty (a goal step starts on the first goal). */
function blankStep(type: string, goals: Goal[]): Step {
  return type === 'page'
    ? { type: 'page', page_pattern: '' }
    : type === 'event'
      ? { type: 'event', event_name: '' }
      : { type: 'goal', goal_id: goals[0]?.id ?? '' };
}

function StepEditor({
  n,
  step: s,
  goals,
  onChange,
}: {
  n: number;
  step: Step;
  goals: Goal[];
  onChange: (s: Step) => void;
}) {
  return (
    <>
      <select
        aria-label={`Step ${n} kind`}
        value={s.type}
        onChange={(e) => onChange(blankStep(e.target.value, goals))}
      >
        <option value="page">Page</option>
        <option value="event">Event</option>
        <option value="goal">Goal</option>
      </select>
      {s.type === 'goal' ? (
        <select
          aria-label={`Step ${n}`}
          value={s.goal_id}
          onChange={(e) => onChange({ type: 'goal', goal_id: e.target.value })}
        >
          <Options of={goals.map((g) => [g.id, g.name] as const)} />
        </select>
      ) : (
        <input
          aria-label={`Step ${n}`}
          required
          placeholder={s.type === 'page' ? '/pricing' : 'signup'}
          value={s.type === 'page' ? s.page_pattern : s.event_name}
          onChange={(e) =>
            onChange(
              s.type === 'page'
                ? { type: 'page', page_pattern: e.target.value }
                : { type: 'event', event_name: e.target.value },
            )
          }
        />
      )}
    </>
  );
}

/** How the funnel's steps are counted: within one visit, or by visitor within some days. */
function WindowFields({
  mode,
  setMode,
}: {
  mode: 'session' | 'visitor';
  setMode: (m: 'session' | 'visitor') => void;
}) {
  return (
    <div className="row">
      <Field label="Counted">
        <select value={mode} onChange={(e) => setMode(e.target.value as 'session' | 'visitor')}>
          <option value="session">within one visit</option>
          <option value="visitor">by visitor, within days</option>
        </select>
      </Field>
      {mode === 'visitor' && (
        <InputField label="Days" name="days" type="number" min="1" max="90" defaultValue="7" required />
      )}
      <label title="Each step must be the next page view (page steps) or the next event after the previous step">
        <input name="direct" type="checkbox" /> <span>directly followed by</span>
      </label>
    </div>
  );
}
