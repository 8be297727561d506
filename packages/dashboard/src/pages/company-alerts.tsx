import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import type { Site } from '../types';
import { Async, ErrorBox, Link, Panel } from '../ui';

interface Endpoint {
  id: string;
  name: string;
  kind: 'webhook' | 'slack' | 'email';
  url: string | null;
  recipients: string[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  consecutive_failures: number;
}
interface Rule {
  id: string;
  name: string;
  visitor: 'new' | 'returning' | 'any';
  intent_page: boolean;
  min_score: number | null;
  fit_industries: string[];
  fit_sizes: string[];
  fit_countries: string[];
  cooldown_h: number;
  endpoint_ids: string[];
  enabled: boolean;
}
interface Delivery {
  id: string;
  endpoint_name: string;
  rule_name: string;
  domain: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  created_at: string;
}

const words = (v: FormDataEntryValue | null) =>
  String(v ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Company alerts of one site: endpoints (the secret shown once), rules, and the delivery log. */
export function CompanyAlertsSettings({ siteId }: { siteId: string }) {
  const site = useQuery({ queryKey: ['site', siteId], queryFn: () => get<Site>(`/v1/sites/${siteId}`) });
  return (
    <>
      <p>
        <Link to={`/settings/sites/${siteId}`}>← {site.data?.name ?? 'The site'}</Link>
      </p>
      <h1 className="page-title">Company alerts</h1>
      <EndpointsPanel siteId={siteId} />
      <RulesPanel siteId={siteId} />
      <DeliveryLog siteId={siteId} />
    </>
  );
}

function EndpointsPanel({ siteId }: { siteId: string }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['alert-endpoints', siteId],
    queryFn: () => get<{ items: Endpoint[] }>(`/v1/sites/${siteId}/alert-endpoints`),
  });
  const [secret, setSecret] = useState<string | null>(null);
  const reload = () => qc.invalidateQueries({ queryKey: ['alert-endpoints', siteId] });
  return (
    <Panel title="Endpoints">
      <EndpointForm
        siteId={siteId}
        onMade={(x) => {
          setSecret(x);
          void reload();
        }}
      />
      {secret && (
        <div className="share-made" role="status">
          <p>Signing secret (shown once; see docs/company-alerts.md to check signatures):</p>
          <input readOnly value={secret} aria-label="Signing secret" onFocus={(e) => e.target.select()} />
        </div>
      )}
      <Async q={q} label="Loading the endpoints…">
        {(l) =>
          l.items.length === 0 ? (
            <p className="muted">No endpoints yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Target</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {l.items.map((x) => (
                  <tr key={x.id}>
                    <td>{x.name}</td>
                    <td>{x.kind}</td>
                    <td>{x.url ?? x.recipients?.join(', ')}</td>
                    <td>
                      {x.enabled ? 'enabled' : `disabled${x.disabled_reason ? `: ${x.disabled_reason}` : ''}`}
                    </td>
                    <td>
                      <EndpointActions
                        siteId={siteId}
                        x={x}
                        onSecret={setSecret}
                        onChange={() => void reload()}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </Panel>
  );
}

/** Enable/disable an endpoint; rotate a webhook's secret (shown once by the panel). */
function EndpointActions({
  siteId,
  x,
  onSecret,
  onChange,
}: {
  siteId: string;
  x: Endpoint;
  onSecret: (secret: string) => void;
  onChange: () => void;
}) {
  const path = `/v1/sites/${siteId}/alert-endpoints/${x.id}`;
  return (
    <>
      <button
        type="button"
        className="link"
        onClick={async () => {
          await api('PATCH', path, { enabled: !x.enabled });
          onChange();
        }}
      >
        {x.enabled ? 'Disable' : 'Enable'}
      </button>{' '}
      {x.kind === 'webhook' && (
        <button
          type="button"
          className="link"
          onClick={async () =>
            onSecret((await api<{ secret: string }>('POST', `${path}/rotate-secret`)).secret)
          }
        >
          Rotate secret
        </button>
      )}
    </>
  );
}

function EndpointForm({ siteId, onMade }: { siteId: string; onMade: (secret: string | null) => void }) {
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      className="form"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        const kind = String(f.get('kind'));
        const target = String(f.get('target') ?? '').trim();
        setError(null);
        try {
          const r = await api<{ secret: string | null }>('POST', `/v1/sites/${siteId}/alert-endpoints`, {
            name: String(f.get('name')),
            kind,
            ...(kind === 'email' ? { recipients: words(target) } : { url: target }),
          });
          form.reset();
          onMade(r.secret);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <label>
        <span>Name</span>
        <input name="name" required maxLength={120} placeholder="CRM webhook" />
      </label>
      <label>
        <span>Kind</span>
        <select name="kind" defaultValue="webhook">
          <option value="webhook">Webhook (signed JSON)</option>
          <option value="slack">Slack incoming webhook</option>
          <option value="email">Email</option>
        </select>
      </label>
      <label>
        <span>URL (https://…) or email addresses</span>
        <input name="target" required placeholder="https://crm.example/hooks/beacon" />
      </label>
      {error != null && <ErrorBox error={error} title="Could not add the endpoint:" />}
      <button type="submit" className="primary">
        Add endpoint
      </button>
    </form>
  );
}

function describeRule(r: Rule): string {
  const parts = [r.visitor === 'any' ? 'any company' : `${r.visitor} companies`];
  if (r.intent_page) parts.push('on a high-intent page');
  if (r.min_score !== null) parts.push(`score ≥ ${r.min_score}`);
  for (const l of [r.fit_industries, r.fit_sizes, r.fit_countries]) if (l.length) parts.push(l.join('/'));
  return `${parts.join(', ')}; once per ${r.cooldown_h} h`;
}

function RulesPanel({ siteId }: { siteId: string }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['alert-rules', siteId],
    queryFn: () => get<{ items: Rule[] }>(`/v1/sites/${siteId}/company-alert-rules`),
  });
  const eps = useQuery({
    queryKey: ['alert-endpoints', siteId],
    queryFn: () => get<{ items: Endpoint[] }>(`/v1/sites/${siteId}/alert-endpoints`),
  });
  const reload = () => qc.invalidateQueries({ queryKey: ['alert-rules', siteId] });
  return (
    <Panel title="Rules">
      <RuleForm siteId={siteId} endpoints={eps.data?.items ?? []} onMade={() => void reload()} />
      <Async q={q} label="Loading the rules…">
        {(l) =>
          l.items.length === 0 ? (
            <p className="muted">No rules yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>When</th>
                  <th>Endpoints</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {l.items.map((r) => (
                  <tr key={r.id}>
                    <td>{r.name}</td>
                    <td>{describeRule(r)}</td>
                    <td>
                      {r.endpoint_ids
                        .map((id) => eps.data?.items.find((x) => x.id === id)?.name ?? '?')
                        .join(', ')}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link"
                        onClick={async () => {
                          await api('DELETE', `/v1/sites/${siteId}/company-alert-rules/${r.id}`);
                          void reload();
                        }}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </Panel>
  );
}

/** The new rule's API body from the form's fields. */
function ruleBody(f: FormData): Record<string, unknown> {
  const min = String(f.get('min_score') ?? '');
  return {
    name: String(f.get('name')),
    visitor: String(f.get('visitor')),
    intent_page: f.get('intent') === 'on',
    min_score: min ? Number(min) : null,
    fit_industries: words(f.get('industries')),
    fit_countries: words(f.get('countries')),
    cooldown_h: Number(f.get('cooldown') || 24),
    endpoint_ids: f.getAll('endpoint').map(String),
  };
}

function RuleForm({
  siteId,
  endpoints,
  onMade,
}: {
  siteId: string;
  endpoints: Endpoint[];
  onMade: () => void;
}) {
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      className="form"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        setError(null);
        try {
          await api('POST', `/v1/sites/${siteId}/company-alert-rules`, ruleBody(f));
          form.reset();
          onMade();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <label>
        <span>Name</span>
        <input name="name" required maxLength={120} placeholder="Hot accounts on pricing" />
      </label>
      <label>
        <span>Companies</span>
        <select name="visitor" defaultValue="any">
          <option value="any">Any</option>
          <option value="new">New</option>
          <option value="returning">Returning</option>
        </select>
      </label>
      <label className="check">
        <input name="intent" type="checkbox" />
        <span>Only on a high-intent page</span>
      </label>
      <label>
        <span>Minimum lead score (optional)</span>
        <input name="min_score" type="number" min={0} max={100} />
      </label>
      <label>
        <span>Industries (optional)</span>
        <input name="industries" placeholder="software, fintech" />
      </label>
      <label>
        <span>Countries (optional, ISO codes)</span>
        <input name="countries" placeholder="DE, AT, CH" />
      </label>
      <label>
        <span>Cooldown per company (hours)</span>
        <input name="cooldown" type="number" min={1} max={720} defaultValue={24} />
      </label>
      <fieldset>
        <legend>Send to</legend>
        {endpoints.map((x) => (
          <label className="check" key={x.id}>
            <input name="endpoint" type="checkbox" value={x.id} />
            <span>{x.name}</span>
          </label>
        ))}
      </fieldset>
      {error != null && <ErrorBox error={error} title="Could not add the rule:" />}
      <button type="submit" className="primary">
        Add rule
      </button>
    </form>
  );
}

function DeliveryLog({ siteId }: { siteId: string }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['alert-deliveries', siteId],
    queryFn: () => get<{ items: Delivery[] }>(`/v1/sites/${siteId}/alert-deliveries?limit=100`),
    refetchInterval: 10_000,
  });
  return (
    <Panel title="Delivery log">
      <Async q={q} label="Loading the deliveries…">
        {(l) =>
          l.items.length === 0 ? (
            <p className="muted">No alerts sent yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Company</th>
                  <th>Rule</th>
                  <th>Endpoint</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Last answer</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {l.items.map((x) => (
                  <tr key={x.id}>
                    <td>{x.created_at.slice(0, 19).replace('T', ' ')}</td>
                    <td>{x.domain}</td>
                    <td>{x.rule_name}</td>
                    <td>{x.endpoint_name}</td>
                    <td className={`delivery-${x.status}`}>{x.status}</td>
                    <td>{x.attempts}</td>
                    <td>
                      {x.last_status_code ?? ''} {x.last_error ?? ''}
                      {x.last_latency_ms !== null ? ` (${x.last_latency_ms} ms)` : ''}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link"
                        onClick={async () => {
                          await api('POST', `/v1/sites/${siteId}/alert-deliveries/${x.id}/replay`);
                          void qc.invalidateQueries({ queryKey: ['alert-deliveries', siteId] });
                        }}
                      >
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </Panel>
  );
}
