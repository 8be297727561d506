// A site's settings: the form writers change them with, and the same facts read only for viewers.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { api } from '../api';
import { fmtInt, fmtYesNo } from '../format';
import { useSession } from '../session';
import { Field, InputField, SaveRow, useSavedNotice } from '../form';
import type { Site, SiteConfig } from '../types';
import { Facts, Panel } from '../ui';

export function SiteFacts({ site }: { site: Site }) {
  const c = site.config;
  return (
    <Panel title="Settings">
      <Facts
        items={[
          { label: 'Domain', value: site.domain },
          {
            label: 'Allowed domains',
            value: c.allowed_origins.join(', ') || "the site's domain and its subdomains",
          },
          { label: 'IP addresses', value: c.ip_anonymization },
          { label: 'Cookieless', value: fmtYesNo(c.cookieless) },
          { label: 'Respect Do Not Track', value: fmtYesNo(c.respect_dnt) },
          { label: 'Require consent', value: fmtYesNo(c.require_consent) },
          {
            label: 'Keep events for',
            value: c.retention_months ? `${c.retention_months} months` : "the agency's retention",
          },
          { label: 'Bots', value: c.bot_policy },
          { label: 'Timezone', value: c.timezone },
          { label: 'Revenue currency', value: c.currency },
          {
            label: 'Monthly event quota',
            value: site.monthly_event_quota ? fmtInt(site.monthly_event_quota) : 'none',
          },
        ]}
      />
      <p className="muted">Viewers can read settings; an admin or user changes them.</p>
    </Panel>
  );
}

type SitePatch = Partial<Omit<Site, 'config'>> & { config?: Partial<SiteConfig> };

/** What the form's fields say, as the PATCH body of the site (the quota only from admins' forms). */
function patchOf(f: FormData): SitePatch {
  const quota = f.get('monthly_event_quota');
  return {
    ...(quota === null ? {} : { monthly_event_quota: quota ? Number(quota) : null }),
    name: String(f.get('name')),
    domain: String(f.get('domain')),
    config: {
      allowed_origins: String(f.get('allowed_origins'))
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
      ip_anonymization: f.get('ip_anonymization') as SiteConfig['ip_anonymization'],
      bot_policy: f.get('bot_policy') as SiteConfig['bot_policy'],
      cookieless: f.get('cookieless') === 'on',
      respect_dnt: f.get('respect_dnt') === 'on',
      require_consent: f.get('require_consent') === 'on',
      timezone: String(f.get('timezone')),
      currency: String(f.get('currency')).trim().toUpperCase(),
      retention_months: f.get('retention_months') ? Number(f.get('retention_months')) : null,
    },
  };
}

/** The monthly event quota (admins): warnings at 80% and 100%; the collector keeps accepting past it. */
function QuotaField({ quota }: { quota: number | null }) {
  return (
    <Explained
      id="help-quota"
      help="Events stored per calendar month (UTC). The agency's admins are emailed at 80% and 100%, and the site's pages show it; events past the quota are still collected. Empty: no quota."
    >
      <InputField
        label="Monthly event quota"
        name="monthly_event_quota"
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        defaultValue={quota ?? ''}
        aria-describedby="help-quota"
      />
    </Explained>
  );
}

export function SiteForm({ site }: { site: Site }) {
  const admin = useSession().me.role === 'admin';
  const qc = useQueryClient();
  const notice = useSavedNotice();
  const save = useMutation({
    mutationFn: (body: SitePatch) => api<Site>('PATCH', `/v1/sites/${site.id}`, body),
    onSuccess: async (s) => {
      qc.setQueryData(['site', site.id], s);
      await qc.invalidateQueries({ queryKey: ['sites'] });
      notice.show();
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    save.mutate(patchOf(new FormData(e.currentTarget)));
  };
  const pause = site.status !== 'deleted' && (
    <button
      type="button"
      onClick={() => save.mutate({ status: site.status === 'active' ? 'paused' : 'active' })}
      disabled={save.isPending}
    >
      {site.status === 'active' ? 'Pause tracking' : 'Resume tracking'}
    </button>
  );
  return (
    <Panel title="Settings" actions={pause}>
      <form className="form" onSubmit={submit} key={site.updated_at ?? site.id}>
        <InputField label="Name" name="name" defaultValue={site.name} required />
        <InputField label="Domain" name="domain" defaultValue={site.domain} required />
        <Field label="Allowed domains (one per line; empty: the site's domain and its subdomains)">
          <textarea name="allowed_origins" rows={3} defaultValue={site.config.allowed_origins.join('\n')} />
        </Field>
        <PrivacyFields c={site.config} />
        <InputField
          label="Timezone (IANA, for days in reports)"
          name="timezone"
          defaultValue={site.config.timezone}
          required
        />
        <Explained
          id="help-currency"
          help="Revenue is added up in this currency; orders sent in another are listed apart, as sent (never converted)."
        >
          <InputField
            label="Revenue currency (ISO 4217, e.g. EUR)"
            name="currency"
            defaultValue={site.config.currency}
            pattern="[A-Za-z]{3}"
            maxLength={3}
            required
            aria-describedby="help-currency"
          />
        </Explained>
        {admin && <QuotaField quota={site.monthly_event_quota} />}
        <SaveRow label="Save settings" busy={save.isPending} saved={notice.saved} error={save.error} />
      </form>
    </Panel>
  );
}

/** A setting and the paragraph that explains it (`aria-describedby`). */
function Explained({ id, children, help }: { id: string; children: ReactNode; help: ReactNode }) {
  return (
    <>
      {children}
      <p className="help" id={id}>
        {help}
      </p>
    </>
  );
}

function Switch({
  name,
  checked,
  label,
  help,
}: {
  name: string;
  checked: boolean;
  label: string;
  help: ReactNode;
}) {
  const id = `help-${name}`;
  return (
    <Explained id={id} help={help}>
      <label className="check">
        <input type="checkbox" name={name} defaultChecked={checked} aria-describedby={id} />
        <span>{label}</span>
      </label>
    </Explained>
  );
}

function PrivacyFields({ c }: { c: SiteConfig }) {
  return (
    <fieldset>
      <legend>Privacy</legend>
      <p className="help">
        These switches reach pages already tagged on their next load, within a few minutes (5 by default): the
        snippet stays the same.
      </p>
      <Explained
        id="help-ip"
        help="What is stored after the location and company lookups, which always use the full address. Truncate (the default for new sites) removes the last part (IPv4 /24, IPv6 /48); Drop stores none."
      >
        <Field label="IP addresses">
          <select name="ip_anonymization" defaultValue={c.ip_anonymization} aria-describedby="help-ip">
            <option value="none">Keep</option>
            <option value="truncate">Truncate (/24, /48)</option>
            <option value="drop">Drop</option>
          </select>
        </Field>
      </Explained>
      <Switch
        name="cookieless"
        checked={c.cookieless}
        label="Cookieless tracking"
        help="No cookie and no browser storage. A visitor is recognised for one day from a keyed hash of IP and browser (the key changes daily and is destroyed after 48 hours), so a visitor who comes back another day counts again."
      />
      <Switch
        name="respect_dnt"
        checked={c.respect_dnt}
        label="Respect Do Not Track"
        help="Browsers sending Do Not Track or Global Privacy Control are not tracked unless the visitor consents on the page. Off: they are tracked like everyone else."
      />
      <Switch
        name="require_consent"
        checked={c.require_consent}
        label="Require consent before tracking"
        help={
          <>
            Nothing is sent and nothing is stored in the browser until your consent banner calls{' '}
            <code>beacon.consent(true)</code>.
          </>
        }
      />
      <Explained
        id="help-retention"
        help="Raw events and sessions of this site older than this are deleted; at most the agency's retention."
      >
        <InputField
          label="Keep events for (months; empty: the agency's retention)"
          name="retention_months"
          type="number"
          min={1}
          max={600}
          defaultValue={c.retention_months ?? ''}
          aria-describedby="help-retention"
        />
      </Explained>
      <Field label="Bots">
        <select name="bot_policy" defaultValue={c.bot_policy}>
          <option value="drop">Drop bot traffic</option>
          <option value="keep">Keep (marked as bots)</option>
        </select>
      </Field>
    </fieldset>
  );
}
