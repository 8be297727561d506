// Conversions: goals (define one, see it convert), revenue, funnels (build one, read its steps) and web
// vitals. Every figure comes from the API for the view in the URL (range and filters), as elsewhere.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { fmtDuration, fmtInt, fmtPct } from '../format';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';
import { readView, statsQuery, viewQuery } from '../state';
import type { Site } from '../types';
import { Async, ErrorBox, Panel } from '../ui';
import '../conversions.css';

interface Goal {
  id: string;
  name: string;
  kind: string;
  page_pattern: string | null;
  event_name: string | null;
  property: { key: string; value: string } | null;
  value: { mode: 'fixed'; amount: number } | { mode: 'event'; key: string } | null;
}
interface GoalFigures {
  visitors: number;
  items: {
    goal_id: string;
    name: string;
    conversions: number;
    converters: number;
    conversion_rate: number | null;
    value: number | null;
  }[];
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
interface StepFigures {
  step: number;
  visitors: number;
  conversion_from_previous: number | null;
  conversion_from_first: number | null;
  drop_off: number;
  median_seconds_from_previous: number | null;
}
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

const KINDS = [
  ['page', 'Page visited'],
  ['event', 'Custom event'],
  ['form_submit', 'Form submitted'],
  ['file_download', 'File downloaded'],
  ['outbound_link', 'Outbound link clicked'],
  ['lead', 'Lead'],
  ['purchase', 'Purchase'],
] as const;

const money = (n: number | null | undefined, currency: string) =>
  n == null ? '—' : new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(n);

function useView(site: Site) {
  const { search } = useLocation();
  return { view: readView(search, site.config.timezone), keep: viewQuery(search) };
}

export function GoalsPage({ site }: { site: Site }) {
  const { view, keep } = useView(site);
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const base = `/v1/sites/${site.id}`;
  const goals = useQuery({
    queryKey: ['goals', site.id],
    queryFn: () => get<{ items: Goal[] }>(`${base}/goals`),
  });
  const q = statsQuery(view);
  const figures = useQuery({
    queryKey: ['goal-figures', site.id, q],
    queryFn: () => get<GoalFigures>(`${base}/stats/goals?${q}`),
  });
  const revenue = useQuery({
    queryKey: ['revenue', site.id, q],
    queryFn: () => get<Revenue>(`${base}/stats/revenue?${q}`),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `${base}/goals/${id}`),
    onSuccess: () => refreshGoals(qc),
  });
  const byId = new Map((goals.data?.items ?? []).map((g) => [g.id, g]));
  return (
    <>
      <h1 className="page-title">Goals</h1>
      <Panel title="Conversions">
        <Async q={figures} label="Counting conversions…">
          {(f) =>
            f.items.length === 0 ? (
              <p className="muted">
                No goal yet.{canWrite ? ' Define one below: it counts past visits too.' : ''}
              </p>
            ) : (
              <div className="scroll">
                <table className="data" aria-label="Goal conversions">
                  <thead>
                    <tr>
                      <th scope="col">Goal</th>
                      <th scope="col" className="num">
                        Conversions
                      </th>
                      <th scope="col" className="num">
                        Converters
                      </th>
                      <th scope="col" className="num">
                        Conversion rate
                      </th>
                      <th scope="col" className="num">
                        Value
                      </th>
                      <th scope="col" />
                    </tr>
                  </thead>
                  <tbody>
                    {f.items.map((g) => (
                      <tr key={g.goal_id} data-goal={g.name}>
                        <th scope="row">
                          {g.name}
                          <div className="muted small">{describe(byId.get(g.goal_id))}</div>
                        </th>
                        <td className="num" data-col="conversions">
                          {fmtInt(g.conversions)}
                        </td>
                        <td className="num" data-col="converters">
                          {fmtInt(g.converters)}
                        </td>
                        <td className="num" data-col="rate">
                          {fmtPct(g.conversion_rate)}
                        </td>
                        <td className="num">
                          {g.value == null ? '—' : money(g.value, site.config.currency ?? 'USD')}
                        </td>
                        <td>
                          <div className="row-actions">
                            <button
                              type="button"
                              title="Show only visitors who converted on this goal"
                              onClick={() =>
                                navigate(`/sites/${site.id}/overview${withParam(keep, 'goal', g.goal_id)}`)
                              }
                            >
                              Visitors
                            </button>
                            {canWrite && (
                              <button
                                type="button"
                                className="danger"
                                onClick={() =>
                                  confirm(`Delete the goal “${g.name}”? No visit data is deleted.`) &&
                                  remove.mutate(g.goal_id)
                                }
                              >
                                Delete
                              </button>
                            )}
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="muted small">
                  Conversion rate: converters out of {fmtInt(f.visitors)} visitors in this period.
                </p>
              </div>
            )
          }
        </Async>
        {remove.error && <ErrorBox error={remove.error} />}
      </Panel>
      {canWrite && <GoalForm site={site} />}
      <SegmentsPanel site={site} />
      <Panel title="Revenue">
        <Async q={revenue} label="Adding up orders…">
          {(r) => (
            <>
              <dl className="facts" data-revenue>
                <div>
                  <dt>Revenue</dt>
                  <dd data-metric="revenue">{money(r.revenue, r.currency)}</dd>
                </div>
                <div>
                  <dt>Orders</dt>
                  <dd data-metric="orders">{fmtInt(r.orders)}</dd>
                </div>
                <div>
                  <dt>Average order</dt>
                  <dd>{money(r.average_order_value, r.currency)}</dd>
                </div>
                <div>
                  <dt>Per visitor</dt>
                  <dd>{money(r.revenue_per_visitor, r.currency)}</dd>
                </div>
              </dl>
              {r.other_currencies.length > 0 && (
                <p className="muted small">
                  Also, as sent (not converted):{' '}
                  {r.other_currencies
                    .map((c) => `${money(c.revenue, c.currency)} in ${fmtInt(c.orders)} orders`)
                    .join(' · ')}
                </p>
              )}
            </>
          )}
        </Async>
      </Panel>
    </>
  );
}

/** A goal changed: its list and every figure computed from it. */
const refreshGoals = (qc: ReturnType<typeof useQueryClient>) =>
  Promise.all([
    qc.invalidateQueries({ queryKey: ['goals'] }),
    qc.invalidateQueries({ queryKey: ['goal-figures'] }),
  ]);

interface Segment {
  id: string;
  name: string;
  filters: Record<string, string[]>;
}

/** Saved segments of the site (shared by the agency's users): apply one, or save the current filters. */
function SegmentsPanel({ site }: { site: Site }) {
  const { view, keep } = useView(site);
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const base = `/v1/sites/${site.id}/segments`;
  // Goal filters of a segment are listed by the goal's name.
  const goals = useQuery({
    queryKey: ['goals', site.id],
    queryFn: () => get<{ items: Goal[] }>(`/v1/sites/${site.id}/goals`),
  });
  const goalName = (id: string) => goals.data?.items.find((g) => g.id === id)?.name ?? id;
  const list = useQuery({ queryKey: ['segments', site.id], queryFn: () => get<{ items: Segment[] }>(base) });
  const filters: Record<string, string[]> = {};
  for (const [k, v] of view.filters) if (k !== 'segment') (filters[k] ??= []).push(v);
  const save = useMutation({
    mutationFn: (name: string) => api('POST', base, { name, filters }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['segments', site.id] }),
  });
  return (
    <Panel title="Segments">
      <Async q={list} label="Loading segments…">
        {(l) =>
          l.items.length === 0 ? (
            <p className="muted">No saved segment yet.</p>
          ) : (
            <ul className="segments">
              {l.items.map((sg) => (
                <li key={sg.id} data-segment={sg.name}>
                  <button
                    type="button"
                    className="link"
                    onClick={() => navigate(`/sites/${site.id}/overview${withParam(keep, 'segment', sg.id)}`)}
                  >
                    {sg.name}
                  </button>{' '}
                  <span className="muted small">
                    {Object.entries(sg.filters)
                      .map(([k, v]) =>
                        k === 'goal'
                          ? `converted on ${v.map(goalName).join(' and ')}`
                          : `${k} = ${v.join(' or ')}`,
                      )
                      .join(' · ')}
                  </span>
                  {canWrite && <SegmentEdit site={site} segment={sg} filters={filters} />}
                </li>
              ))}
            </ul>
          )
        }
      </Async>
      {canWrite && Object.keys(filters).length > 0 && (
        <form
          className="form row"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate(String(new FormData(e.currentTarget).get('segment_name')).trim());
          }}
        >
          <label>
            <span>Save the current filters as</span>
            <input name="segment_name" required maxLength={120} placeholder="German desktops" />
          </label>
          <button type="submit" disabled={save.isPending}>
            Save segment
          </button>
        </form>
      )}
      {save.error && <ErrorBox error={save.error} />}
    </Panel>
  );
}

/**
 * Writers change a saved segment: rename it, replace its filters with the view's current ones, or
 * delete it (a second click confirms).
 */
function SegmentEdit({
  site,
  segment,
  filters,
}: {
  site: Site;
  segment: Segment;
  filters: Record<string, string[]>;
}) {
  const qc = useQueryClient();
  const url = `/v1/sites/${site.id}/segments/${segment.id}`;
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const done = () => qc.invalidateQueries({ queryKey: ['segments', site.id] });
  const put = useMutation({
    mutationFn: (body: { name: string; filters: Record<string, string[]> }) => api('PUT', url, body),
    onSuccess: async () => {
      setRenaming(false);
      await done();
    },
  });
  const del = useMutation({ mutationFn: () => api('DELETE', url), onSuccess: done });
  return (
    <span className="segment-edit">
      {renaming ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            const name = String(new FormData(e.currentTarget).get('name')).trim();
            put.mutate({ name, filters: segment.filters });
          }}
        >
          <input
            name="name"
            aria-label={`New name of ${segment.name}`}
            defaultValue={segment.name}
            required
            maxLength={120}
          />
          <button type="submit" disabled={put.isPending}>
            Save
          </button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <button type="button" className="link" onClick={() => setRenaming(true)}>
            Rename
          </button>
          {Object.keys(filters).length > 0 && (
            <button
              type="button"
              className="link"
              title="Replace its filters with the current ones"
              onClick={() => put.mutate({ name: segment.name, filters })}
            >
              Use current filters
            </button>
          )}
          <button
            type="button"
            className="link danger"
            aria-label={confirming ? `Confirm deleting ${segment.name}` : `Delete ${segment.name}`}
            onClick={() => (confirming ? del.mutate() : setConfirming(true))}
          >
            {confirming ? 'Confirm delete' : 'Delete'}
          </button>
        </>
      )}
      {(put.error ?? del.error) && <ErrorBox error={(put.error ?? del.error)!} />}
    </span>
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

function withParam(keep: string, key: string, value: string): string {
  const q = new URLSearchParams(keep.slice(1));
  q.set(key, value);
  return `?${q}`;
}

function GoalForm({ site }: { site: Site }) {
  const qc = useQueryClient();
  const [kind, setKind] = useState<string>('page');
  const create = useMutation({
    mutationFn: (body: unknown) => api('POST', `/v1/sites/${site.id}/goals`, body),
    onSuccess: () => refreshGoals(qc),
  });
  return (
    <Panel title="Define a goal">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const text = (k: string) => String(f.get(k) ?? '').trim();
          const body: Record<string, unknown> = { name: text('name'), kind };
          if (kind === 'page') body.page_pattern = text('page_pattern');
          if (kind === 'event') body.event_name = text('event_name');
          if (text('property_key'))
            body.property = { key: text('property_key'), value: text('property_value') };
          const amount = text('amount');
          if (amount) body.value = { mode: 'fixed', amount: Number(amount) };
          else if (kind === 'purchase' || kind === 'lead') body.value = { mode: 'event', key: 'value' };
          create.mutate(body, { onSuccess: () => (e.target as HTMLFormElement).reset() });
        }}
      >
        <label>
          <span>Name</span>
          <input name="name" required maxLength={120} placeholder="Signed up" />
        </label>
        <label>
          <span>Counts when</span>
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map(([k, l]) => (
              <option key={k} value={k}>
                {l}
              </option>
            ))}
          </select>
        </label>
        {kind === 'page' && (
          <label>
            <span>Page path (* one segment, ** any depth)</span>
            <input name="page_pattern" required placeholder="/thank-you or /blog/*" pattern="/.*" />
          </label>
        )}
        {kind === 'event' && (
          <label>
            <span>Event name</span>
            <input name="event_name" required placeholder="signup" />
          </label>
        )}
        {kind !== 'page' && (
          <div className="row">
            <label>
              <span>Only when property (optional)</span>
              <input name="property_key" placeholder="form_id" />
            </label>
            <label>
              <span>equals</span>
              <input name="property_value" placeholder="contact" />
            </label>
          </div>
        )}
        <label>
          <span>
            Value per conversion (optional
            {kind === 'purchase' || kind === 'lead' ? '; default: the value sent' : ''})
          </span>
          <input name="amount" type="number" min="0" step="0.01" />
        </label>
        {create.error && <ErrorBox error={create.error} />}
        <button type="submit" className="primary" disabled={create.isPending}>
          Add goal
        </button>
      </form>
    </Panel>
  );
}

export function FunnelsPage({ site }: { site: Site }) {
  const { canWrite } = useSession();
  const base = `/v1/sites/${site.id}`;
  const funnels = useQuery({
    queryKey: ['funnels', site.id],
    queryFn: () => get<{ items: Funnel[] }>(`${base}/funnels`),
  });
  const [open, setOpen] = useState<string | null>(null);
  const chosen = funnels.data?.items.find((f) => f.id === open) ?? funnels.data?.items[0];
  return (
    <>
      <h1 className="page-title">Funnels</h1>
      <Async q={funnels} label="Loading funnels…">
        {(list) =>
          list.items.length === 0 ? (
            <p className="muted">No funnel yet.{canWrite ? ' Build one below.' : ''}</p>
          ) : (
            <>
              <label className="inline">
                <span>Funnel</span>
                <select aria-label="Funnel" value={chosen?.id} onChange={(e) => setOpen(e.target.value)}>
                  {list.items.map((f) => (
                    <option key={f.id} value={f.id}>
                      {f.name}
                    </option>
                  ))}
                </select>
              </label>
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

function FunnelFigures({ site, funnel }: { site: Site; funnel: Funnel }) {
  const { view } = useView(site);
  const [by, setBy] = useState('');
  const q = statsQuery(view, by ? { breakdown: by } : {});
  const goals = useQuery({
    queryKey: ['goals', site.id],
    queryFn: () => get<{ items: Goal[] }>(`/v1/sites/${site.id}/goals`),
  });
  const names = new Map((goals.data?.items ?? []).map((g) => [g.id, g.name]));
  const stats = useQuery({
    queryKey: ['funnel', site.id, funnel.id, q],
    queryFn: () =>
      get<{ steps: StepFigures[]; breakdown?: { items: { value: string | null; steps: StepFigures[] }[] } }>(
        `/v1/sites/${site.id}/funnels/${funnel.id}/stats?${q}`,
      ),
  });
  return (
    <Panel
      title={funnel.name}
      actions={
        <label className="inline">
          <span>Split by</span>
          <select value={by} onChange={(e) => setBy(e.target.value)}>
            <option value="">—</option>
            <option value="channel">Channel</option>
            <option value="device">Device</option>
            <option value="country">Country</option>
            <option value="company">Company</option>
          </select>
        </label>
      }
    >
      <p className="muted small">
        {funnel.window.mode === 'session'
          ? 'Every step in one visit.'
          : `By visitor (logged-in users across devices), within ${funnel.window.days} days of the first step.`}
        {funnel.direct && ' Each step directly follows the previous one.'}
      </p>
      <Async q={stats} label="Walking the funnel…">
        {(s) => (
          <>
            <StepBars steps={s.steps} labels={funnel.steps.map((x) => stepLabel(x, names))} />
            {s.breakdown?.items.map((b) => (
              <div key={b.value ?? '(none)'} className="funnel-split">
                <h3>{b.value ?? '(none)'}</h3>
                <StepBars steps={b.steps} labels={funnel.steps.map((x) => stepLabel(x, names))} />
              </div>
            ))}
          </>
        )}
      </Async>
    </Panel>
  );
}

function StepBars({ steps, labels }: { steps: StepFigures[]; labels: string[] }) {
  const max = Math.max(steps[0]?.visitors ?? 0, 1);
  return (
    <table className="bars funnel" aria-label="Funnel steps">
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col" className="num">
            Visitors
          </th>
          <th scope="col" className="num">
            From previous
          </th>
          <th scope="col" className="num">
            Drop-off
          </th>
          <th scope="col" className="num">
            Median time
          </th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s, i) => (
          <tr key={s.step} data-step={s.step} style={{ ['--w' as string]: `${(100 * s.visitors) / max}%` }}>
            <td>
              {s.step}. {labels[i]}
            </td>
            <td className="num" data-col="visitors">
              {fmtInt(s.visitors)}
            </td>
            <td className="num">{s.step === 1 ? '' : fmtPct(s.conversion_from_previous)}</td>
            <td className="num">{s.step === 1 ? '' : fmtInt(s.drop_off)}</td>
            <td className="num">{s.step === 1 ? '' : fmtDuration(s.median_seconds_from_previous)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FunnelBuilder({ site, onSaved }: { site: Site; onSaved: (id: string) => void }) {
  const qc = useQueryClient();
  const goals = useQuery({
    queryKey: ['goals', site.id],
    queryFn: () => get<{ items: Goal[] }>(`/v1/sites/${site.id}/goals`),
  });
  const [steps, setSteps] = useState<Step[]>([
    { type: 'page', page_pattern: '/' },
    { type: 'page', page_pattern: '' },
  ]);
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
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          save.mutate({
            name: String(f.get('name')).trim(),
            steps,
            window: mode === 'session' ? { mode } : { mode, days: Number(f.get('days')) },
            direct: f.get('direct') === 'on',
          });
        }}
      >
        <label>
          <span>Name</span>
          <input name="name" required maxLength={120} placeholder="Pricing to signup" />
        </label>
        <ol className="steps">
          {steps.map((s, i) => (
            <li key={i} className="row">
              <select
                aria-label={`Step ${i + 1} kind`}
                value={s.type}
                onChange={(e) =>
                  set(
                    i,
                    e.target.value === 'page'
                      ? { type: 'page', page_pattern: '' }
                      : e.target.value === 'event'
                        ? { type: 'event', event_name: '' }
                        : { type: 'goal', goal_id: goals.data?.items[0]?.id ?? '' },
                  )
                }
              >
                <option value="page">Page</option>
                <option value="event">Event</option>
                <option value="goal">Goal</option>
              </select>
              {s.type === 'goal' ? (
                <select
                  aria-label={`Step ${i + 1}`}
                  value={s.goal_id}
                  onChange={(e) => set(i, { type: 'goal', goal_id: e.target.value })}
                >
                  {(goals.data?.items ?? []).map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  aria-label={`Step ${i + 1}`}
                  required
                  placeholder={s.type === 'page' ? '/pricing' : 'signup'}
                  value={s.type === 'page' ? s.page_pattern : s.event_name}
                  onChange={(e) =>
                    set(
                      i,
                      s.type === 'page'
                        ? { type: 'page', page_pattern: e.target.value }
                        : { type: 'event', event_name: e.target.value },
                    )
                  }
                />
              )}
              {steps.length > 2 && (
                <button type="button" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ol>
        {steps.length < 8 && (
          <button type="button" onClick={() => setSteps([...steps, { type: 'page', page_pattern: '' }])}>
            Add a step
          </button>
        )}
        <div className="row">
          <label>
            <span>Counted</span>
            <select value={mode} onChange={(e) => setMode(e.target.value as 'session' | 'visitor')}>
              <option value="session">within one visit</option>
              <option value="visitor">by visitor, within days</option>
            </select>
          </label>
          {mode === 'visitor' && (
            <label>
              <span>Days</span>
              <input name="days" type="number" min="1" max="90" defaultValue="7" required />
            </label>
          )}
          <label title="Each step must be the next page view (page steps) or the next event after the previous step">
            <input name="direct" type="checkbox" /> <span>directly followed by</span>
          </label>
        </div>
        {save.error && <ErrorBox error={save.error} />}
        <button type="submit" className="primary" disabled={save.isPending}>
          Save funnel
        </button>
      </form>
    </Panel>
  );
}

interface VitalRow {
  value: string | null;
  metric: string;
  samples: number;
  p75: number;
  good: number;
  needs_improvement: number;
  poor: number;
}

export function VitalsPage({ site }: { site: Site }) {
  const { view } = useView(site);
  const [by, setBy] = useState<'page' | 'device'>('page');
  const q = statsQuery(view);
  const all = useQuery({
    queryKey: ['vitals', site.id, q],
    queryFn: () => get<{ items: VitalRow[] }>(`/v1/sites/${site.id}/stats/web-vitals?${q}`),
  });
  const split = useQuery({
    queryKey: ['vitals', site.id, q, by],
    queryFn: () => get<{ items: VitalRow[] }>(`/v1/sites/${site.id}/stats/web-vitals?${q}&by=${by}&limit=20`),
  });
  const fmt = (r: VitalRow) => (r.metric === 'cls' ? r.p75.toFixed(3) : `${Math.round(r.p75)} ms`);
  const values = [...new Set((split.data?.items ?? []).map((r) => r.value))];
  return (
    <>
      <h1 className="page-title">Web vitals</h1>
      <Panel title="75th percentile">
        <Async q={all} label="Reading measurements…">
          {(v) =>
            v.items.length === 0 ? (
              <p className="muted">
                No measurement yet. Add <code>beacon-vitals.js</code> after the snippet (see the tracker
                docs).
              </p>
            ) : (
              <div className="vitals">
                {v.items.map((r) => (
                  <div key={r.metric} className="vital" data-vital={r.metric}>
                    <div className="muted small">{r.metric.toUpperCase()}</div>
                    <div className="value">{fmt(r)}</div>
                    <Split r={r} />
                  </div>
                ))}
              </div>
            )
          }
        </Async>
      </Panel>
      <Panel
        title={by === 'page' ? 'By page' : 'By device'}
        actions={
          <select
            aria-label="Split by"
            value={by}
            onChange={(e) => setBy(e.target.value as 'page' | 'device')}
          >
            <option value="page">Page</option>
            <option value="device">Device</option>
          </select>
        }
      >
        <div className="scroll">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">{by === 'page' ? 'Page' : 'Device'}</th>
                {['lcp', 'inp', 'cls', 'fcp', 'ttfb'].map((m) => (
                  <th key={m} scope="col" className="num">
                    {m.toUpperCase()}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {values.map((v) => (
                <tr key={v ?? '(none)'}>
                  <th scope="row">{v ?? '(none)'}</th>
                  {['lcp', 'inp', 'cls', 'fcp', 'ttfb'].map((m) => {
                    const r = split.data!.items.find((x) => x.value === v && x.metric === m);
                    return (
                      <td key={m} className="num">
                        {r ? fmt(r) : '—'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Panel>
    </>
  );
}

function Split({ r }: { r: VitalRow }) {
  const total = r.good + r.needs_improvement + r.poor || 1;
  return (
    <div
      className="split"
      title={`good ${r.good} · needs improvement ${r.needs_improvement} · poor ${r.poor}`}
    >
      <span className="good" style={{ width: `${(100 * r.good) / total}%` }} />
      <span className="ni" style={{ width: `${(100 * r.needs_improvement) / total}%` }} />
      <span className="poor" style={{ width: `${(100 * r.poor) / total}%` }} />
    </div>
  );
}
