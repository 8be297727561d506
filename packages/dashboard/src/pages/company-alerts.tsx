import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { Check, InputField, SelectField, SubmitRow, useSubmit } from '../form';
import { ItemsTable } from '../table';
import type { AlertEndpoint, CompanyAlertRule, Site } from '../types';
import { Empty, Link, LinkButton, Panel } from '../ui';

type Endpoint = AlertEndpoint;
type Rule = CompanyAlertRule;
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

/** The site's alert endpoints (the endpoints panel lists them, the rule form sends to them). */
function useEndpoints(siteId: string) {
  const qc = useQueryClient();
  const queryKey = ['alert-endpoints', siteId];
  const q = useQuery({
    queryKey,
    queryFn: () => get<{ items: Endpoint[] }>(`/v1/sites/${siteId}/alert-endpoints`),
  });
  return { q, reload: () => void qc.invalidateQueries({ queryKey }) };
}

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
  const { q, reload } = useEndpoints(siteId);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Panel title="Endpoints">
      <EndpointForm
        siteId={siteId}
        onMade={(x) => {
          setSecret(x);
          reload();
        }}
      />
      {secret && (
        <div className="share-made" role="status">
          <p>Signing secret (shown once; see docs/company-alerts.md to check signatures):</p>
          <input readOnly value={secret} aria-label="Signing secret" onFocus={(e) => e.target.select()} />
        </div>
      )}
      <ItemsTable
        q={q}
        loading="Loading the endpoints…"
        label="Endpoints"
        empty={<Empty>No endpoints yet.</Empty>}
        columns={[
          { head: 'Name', cell: (x) => x.name, rowHeader: true },
          { head: 'Kind', cell: (x) => x.kind },
          { head: 'Target', cell: (x) => x.url ?? x.recipients?.join(', ') },
          {
            head: 'State',
            cell: (x) =>
              x.enabled ? 'enabled' : `disabled${x.disabled_reason ? `: ${x.disabled_reason}` : ''}`,
          },
          {
            head: '',
            cell: (x) => <EndpointActions siteId={siteId} x={x} onSecret={setSecret} onChange={reload} />,
          },
        ]}
      />
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
      <LinkButton
        onClick={async () => {
          await api('PATCH', path, { enabled: !x.enabled });
          onChange();
        }}
      >
        {x.enabled ? 'Disable' : 'Enable'}
      </LinkButton>{' '}
      {x.kind === 'webhook' && (
        <LinkButton
          onClick={async () =>
            onSecret((await api<{ secret: string }>('POST', `${path}/rotate-secret`)).secret)
          }
        >
          Rotate secret
        </LinkButton>
      )}
    </>
  );
}

const ENDPOINT_KINDS = [
  ['webhook', 'Webhook (signed JSON)'],
  ['slack', 'Slack incoming webhook'],
  ['email', 'Email'],
] as const;

function EndpointForm({ siteId, onMade }: { siteId: string; onMade: (secret: string | null) => void }) {
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    const kind = String(f.get('kind'));
    const target = String(f.get('target') ?? '').trim();
    const r = await api<{ secret: string | null }>('POST', `/v1/sites/${siteId}/alert-endpoints`, {
      name: String(f.get('name')),
      kind,
      ...(kind === 'email' ? { recipients: words(target) } : { url: target }),
    });
    onMade(r.secret);
    return true;
  });
  return (
    <form className="form" onSubmit={onSubmit}>
      <InputField label="Name" name="name" required maxLength={120} placeholder="CRM webhook" />
      <SelectField label="Kind" name="kind" defaultValue="webhook" options={ENDPOINT_KINDS} />
      <InputField
        label="URL (https://…) or email addresses"
        name="target"
        required
        placeholder="https://crm.example/hooks/beacon"
      />
      <SubmitRow label="Add endpoint" busy={busy} error={error} errorTitle="Could not add the endpoint:" />
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
  const eps = useEndpoints(siteId).q;
  const reload = () => void qc.invalidateQueries({ queryKey: ['alert-rules', siteId] });
  const endpointName = (id: string) => eps.data?.items.find((x) => x.id === id)?.name ?? '?';
  return (
    <Panel title="Rules">
      <RuleForm siteId={siteId} endpoints={eps.data?.items ?? []} onMade={reload} />
      <ItemsTable
        q={q}
        loading="Loading the rules…"
        label="Rules"
        empty={<Empty>No rules yet.</Empty>}
        columns={[
          { head: 'Name', cell: (r) => r.name, rowHeader: true },
          { head: 'When', cell: describeRule },
          { head: 'Endpoints', cell: (r) => r.endpoint_ids.map(endpointName).join(', ') },
          {
            head: '',
            cell: (r) => (
              <LinkButton
                onClick={async () => {
                  await api('DELETE', `/v1/sites/${siteId}/company-alert-rules/${r.id}`);
                  reload();
                }}
              >
                Delete
              </LinkButton>
            ),
          },
        ]}
      />
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

const VISITORS = [
  ['any', 'Any'],
  ['new', 'New'],
  ['returning', 'Returning'],
] as const;

function RuleForm({
  siteId,
  endpoints,
  onMade,
}: {
  siteId: string;
  endpoints: Endpoint[];
  onMade: () => void;
}) {
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    await api('POST', `/v1/sites/${siteId}/company-alert-rules`, ruleBody(f));
    onMade();
    return true;
  });
  return (
    <form className="form" onSubmit={onSubmit}>
      <InputField label="Name" name="name" required maxLength={120} placeholder="Hot accounts on pricing" />
      <SelectField label="Companies" name="visitor" defaultValue="any" options={VISITORS} />
      <Check label="Only on a high-intent page">
        <input name="intent" type="checkbox" />
      </Check>
      <InputField label="Minimum lead score (optional)" name="min_score" type="number" min={0} max={100} />
      <InputField label="Industries (optional)" name="industries" placeholder="software, fintech" />
      <InputField label="Countries (optional, ISO codes)" name="countries" placeholder="DE, AT, CH" />
      <InputField
        label="Cooldown per company (hours)"
        name="cooldown"
        type="number"
        min={1}
        max={720}
        defaultValue={24}
      />
      <fieldset>
        <legend>Send to</legend>
        {endpoints.map((x) => (
          <Check key={x.id} label={x.name}>
            <input name="endpoint" type="checkbox" value={x.id} />
          </Check>
        ))}
      </fieldset>
      <SubmitRow label="Add rule" busy={busy} error={error} errorTitle="Could not add the rule:" />
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
  const replay = async (x: Delivery) => {
    await api('POST', `/v1/sites/${siteId}/alert-deliveries/${x.id}/replay`);
    void qc.invalidateQueries({ queryKey: ['alert-deliveries', siteId] });
  };
  return (
    <Panel title="Delivery log">
      <ItemsTable
        q={q}
        loading="Loading the deliveries…"
        label="Alert deliveries"
        empty={<Empty>No alerts sent yet.</Empty>}
        columns={[
          { head: 'When', cell: (x) => x.created_at.slice(0, 19).replace('T', ' ') },
          { head: 'Company', cell: (x) => x.domain },
          { head: 'Rule', cell: (x) => x.rule_name },
          { head: 'Endpoint', cell: (x) => x.endpoint_name },
          {
            head: 'Status',
            cell: (x) => x.status,
            cellProps: (x) => ({ className: `delivery-${x.status}` }),
          },
          { head: 'Attempts', cell: (x) => x.attempts, num: true },
          {
            head: 'Last answer',
            cell: (x) =>
              `${x.last_status_code ?? ''} ${x.last_error ?? ''}${x.last_latency_ms !== null ? ` (${x.last_latency_ms} ms)` : ''}`,
          },
          { head: '', cell: (x) => <LinkButton onClick={() => replay(x)}>Replay</LinkButton> },
        ]}
      />
    </Panel>
  );
}
