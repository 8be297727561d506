// Settings → Branding (admins): the agency's white-label, i.e. the display name, colour, logo, "Powered by
// Beacon" and dashboard hostname that its login page, dashboard, share links and emails carry.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type CSSProperties, type FormEvent } from 'react';
import { HttpError } from '@beacon/schema/http-error';
import { api, get } from '../api';
import { accentVars, AGENCY_BRAND_KEY, BrandMark, PoweredBy, setHostBrand } from '../brand';
import { Check, InputField, SaveRow, useSavedNotice } from '../form';
import { useSession } from '../session';
import type { Brand, Branding } from '../types';
import { Async, Panel } from '../ui';
import { LogoField, type LogoChange } from './brand-logo';

/** The API's rule for a primary colour (PATCH /v1/agency/branding). */
const COLOR = /^#[0-9a-f]{6}$/i;
/** The accent the dashboard has without a brand colour (styles.css --accent). */
const DEFAULT_ACCENT = '#1d4ed8';

interface Draft {
  name: string;
  color: string;
  hidePoweredBy: boolean;
  hostname: string;
}
const draftOf = (b: Branding): Draft => ({
  name: b.display_name ?? '',
  color: b.primary_color ?? '',
  hidePoweredBy: b.hide_powered_by,
  hostname: b.hostname ?? '',
});

/** The stored branding and the brand others see (its logo inline, for the preview). */
interface Stored {
  branding: Branding;
  brand: Brand;
}

export function BrandingSettings() {
  const q = useQuery({
    queryKey: ['branding'],
    queryFn: async (): Promise<Stored> => {
      const [branding, brand] = await Promise.all([
        get<Branding>('/v1/agency/branding'),
        get<Brand>('/v1/agency/brand'),
      ]);
      return { branding, brand };
    },
  });
  return (
    <>
      <h1 className="page-title">Branding</h1>
      <p className="muted">
        Your agency’s brand on the login page of your dashboard hostname, the dashboard served there, share
        links and email reports. Beacon’s name shows only in a small “Powered by Beacon”, which you may turn
        off.
      </p>
      <Async q={q} label="Loading the branding…">
        {(s) => <BrandingForm stored={s} />}
      </Async>
    </>
  );
}

/** The brand the draft would make (the preview, and the top bar after a save on the agency's host). */
function brandOf(d: Draft, logo: LogoChange, stored: Brand, agencyName: string): Brand {
  return {
    name: d.name.trim() || agencyName,
    primary_color: COLOR.test(d.color.trim()) ? d.color.trim().toLowerCase() : null,
    powered_by: !d.hidePoweredBy,
    logo: logo.kind === 'new' ? logo.url : logo.kind === 'remove' ? null : stored.logo,
  };
}

/** PATCH the fields, then upload or remove the logo; answers the branding as stored. */
async function saveBranding(d: Draft, logo: LogoChange): Promise<Branding> {
  let saved = await api<Branding>('PATCH', '/v1/agency/branding', {
    display_name: d.name.trim() || null,
    primary_color: d.color.trim().toLowerCase() || null,
    hide_powered_by: d.hidePoweredBy,
    hostname: d.hostname.trim().toLowerCase().replace(/\.$/, '') || null,
  });
  if (logo.kind === 'new')
    saved = await api<Branding>('PUT', '/v1/agency/branding/logo', {
      content_type: logo.content_type,
      data: logo.data,
    }).catch((err: unknown) => {
      // Its bytes are not what its type says, say: the rest is saved, and the message says so.
      throw new Error(`The other fields were saved, but not the logo: ${errorText(err)}`);
    });
  if (logo.kind === 'remove') {
    await api('DELETE', '/v1/agency/branding/logo');
    saved = { ...saved, logo: null };
  }
  return saved;
}

/** The field a failed save is about: the hostname (taken: 409, or refused) or the colour. */
function fieldOf(err: unknown): 'hostname' | 'color' | null {
  if (!(err instanceof HttpError)) return null;
  if (err.status === 409) return 'hostname';
  const path = (err.details as { issues?: { path?: unknown[] }[] } | undefined)?.issues?.[0]?.path;
  return path?.[0] === 'hostname' ? 'hostname' : path?.[0] === 'primary_color' ? 'color' : null;
}

/**
 * The save of the draft: stored, the page's query updated, and the top bar following at once when this
 * page's host is (or was) the agency's hostname; `done` then starts the form afresh.
 */
function useSaveBranding(stored: Stored, done: (b: Branding) => void) {
  const qc = useQueryClient();
  const notice = useSavedNotice();
  const save = useMutation({
    mutationFn: (v: { draft: Draft; logo: LogoChange; preview: Brand }) => saveBranding(v.draft, v.logo),
    onSuccess: (branding, { preview }) => {
      const here = location.hostname;
      if (branding.hostname === here) setHostBrand(preview);
      else if (stored.branding.hostname === here) setHostBrand(null);
      qc.setQueryData<Stored>(['branding'], { branding, brand: preview });
      qc.setQueryData<Brand>(AGENCY_BRAND_KEY, preview); // the top bar on any address
      done(branding);
      notice.show();
    },
  });
  return { save, saved: notice.saved };
}

function BrandingForm({ stored }: { stored: Stored }) {
  const { me } = useSession();
  const [draft, setDraft] = useState(() => draftOf(stored.branding));
  const [logo, setLogo] = useState<LogoChange>({ kind: 'keep' });
  const [colorError, setColorError] = useState<string | null>(null);
  // Each save starts the logo's file input afresh.
  const [saves, setSaves] = useState(0);
  const edit = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const preview = brandOf(draft, logo, stored.brand, me.agency.name);
  const { save, saved } = useSaveBranding(stored, (branding) => {
    setDraft(draftOf(branding));
    setLogo({ kind: 'keep' });
    setSaves((n) => n + 1);
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const c = draft.color.trim();
    const bad = c !== '' && !COLOR.test(c);
    setColorError(bad ? `“${c}” is not a colour: give # and six hex digits, such as #1d4ed8.` : null);
    if (!bad) save.mutate({ draft, logo, preview });
  };
  const field = fieldOf(save.error);
  return (
    <div className="branding">
      <Panel title="Your brand">
        <form className="form" onSubmit={onSubmit} noValidate>
          <InputField
            label="Display name (empty: the agency’s name)"
            name="display_name"
            value={draft.name}
            maxLength={100}
            placeholder={me.agency.name}
            onChange={(e) => edit({ name: e.target.value })}
          />
          <ColorField
            value={draft.color}
            error={colorError ?? (field === 'color' ? errorText(save.error) : null)}
            onChange={(color) => {
              setColorError(null);
              edit({ color });
            }}
          />
          <LogoField key={saves} current={stored.brand.logo} change={logo} onChange={setLogo} />
          <Check label="Hide “Powered by Beacon” (data credits such as DB-IP’s stay)">
            <input
              type="checkbox"
              name="hide_powered_by"
              checked={draft.hidePoweredBy}
              onChange={(e) => edit({ hidePoweredBy: e.target.checked })}
            />
          </Check>
          <HostnameField
            value={draft.hostname}
            error={field === 'hostname' ? hostnameError(save.error) : null}
            onChange={(hostname) => edit({ hostname })}
          />
          <SaveRow
            label={save.isPending ? 'Saving…' : 'Save branding'}
            busy={save.isPending}
            saved={saved}
            error={field ? null : save.error}
          />
        </form>
      </Panel>
      <Panel title="Preview: your login page">
        <LoginPreview brand={preview} />
      </Panel>
    </div>
  );
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** A refused hostname, said plainly (a 409: another agency has it). */
const hostnameError = (err: unknown) =>
  err instanceof HttpError && err.status === 409
    ? 'Another agency already has this dashboard hostname: choose another name.'
    : errorText(err);

/** A field's error under it, tied to its input by `id`. */
function FieldError({ id, text }: { id: string; text: string | null }) {
  return text ? (
    <p className="field-error" id={id} role="alert">
      {text}
    </p>
  ) : null;
}

/** A text field of the draft, with the error a save found in it. */
interface TextFieldProps {
  value: string;
  error: string | null;
  onChange: (v: string) => void;
}

/** The primary colour: a colour picker and its hex text (empty: Beacon's blue). */
function ColorField({ value, error, onChange }: TextFieldProps) {
  return (
    <div>
      <div className="color-field">
        <input
          type="color"
          aria-label="Pick the primary colour"
          value={COLOR.test(value.trim()) ? value.trim().toLowerCase() : DEFAULT_ACCENT}
          onChange={(e) => onChange(e.target.value)}
        />
        <InputField
          label="Primary colour (hex, e.g. #0f766e; empty: Beacon’s blue)"
          name="primary_color"
          value={value}
          placeholder={DEFAULT_ACCENT}
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'color-error' : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      </div>
      <FieldError id="color-error" text={error} />
    </div>
  );
}

function HostnameField({ value, error, onChange }: TextFieldProps) {
  return (
    <div>
      <InputField
        label="Dashboard hostname (optional)"
        name="hostname"
        value={value}
        placeholder="analytics.your-agency.example"
        spellCheck={false}
        autoCapitalize="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'hostname-error hostname-help' : 'hostname-help'}
        onChange={(e) => onChange(e.target.value)}
      />
      <FieldError id="hostname-error" text={error} />
      <p className="help" id="hostname-help">
        Point that name’s DNS (a CNAME) at this Beacon installation. The login page and dashboard served there
        carry your brand, and the links in invitations, password resets and share links use it.
      </p>
    </div>
  );
}

/** The login page's header as the draft brand makes it: mark, title, a button in its colour. */
function LoginPreview({ brand }: { brand: Brand }) {
  const style = brand.primary_color ? (accentVars(brand.primary_color) as CSSProperties) : undefined;
  return (
    <div
      className="login-preview brand-scope"
      style={style}
      data-testid="login-preview"
      aria-label="Login page preview"
    >
      <div className="panel login-form" aria-hidden="true">
        <BrandMark brand={brand} big />
        <p className="preview-title">Sign in</p>
        <span className="preview-button">Sign in</span>
      </div>
      <PoweredBy brand={brand} />
    </div>
  );
}
