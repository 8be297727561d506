import { useEffect, useState } from 'react';
import { HttpError } from '@beacon/schema/http-error';
import { openShare, type ShareSession } from '../api';
import { BrandMark, PoweredBy } from '../brand';
import { CardForm, InputField, SubmitRow, useSubmit } from '../form';
import { Toolbar } from '../layout';
import type { Brand, Site } from '../types';
import { ErrorBox, Loading } from '../ui';
import { OverviewPage } from './overview';

/**
 * A shared dashboard (`/share/<link token>`): the site's overview, read only, with no navigation to
 * settings or other sites. The API holds it to the link's site and filters whatever this page asks.
 */
export function SharedView({ token }: { token: string }) {
  const [session, setSession] = useState<ShareSession | null>(null);
  // A protected link: the password page, under the link's agency brand when the API tells it.
  const [needsPassword, setNeedsPassword] = useState<{ brand?: Brand } | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    openShare(token).then(setSession, (err: unknown) => {
      if (err instanceof HttpError && err.status === 401)
        setNeedsPassword((err.details ?? {}) as { brand?: Brand });
      else setError(err);
    });
  }, [token]);

  if (session) return <SharedDashboard session={session} />;
  if (needsPassword) return <SharePassword token={token} brand={needsPassword.brand} onOpen={setSession} />;
  if (error != null)
    return (
      <main className="center">
        <ErrorBox error={error} title="This shared dashboard cannot be opened:" />
      </main>
    );
  return <Loading label="Opening the shared dashboard…" />;
}

function SharePassword({
  token,
  brand,
  onOpen,
}: {
  token: string;
  brand: Brand | undefined;
  onOpen: (s: ShareSession) => void;
}) {
  const { busy, error, onSubmit } = useSubmit(async (f) =>
    onOpen(await openShare(token, String(f.get('password')))),
  );
  return (
    <CardForm
      id="share-title"
      title="This dashboard is protected"
      onSubmit={onSubmit}
      branded={brand ?? true}
    >
      <InputField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        autoFocus
      />
      <SubmitRow
        label={busy ? 'Opening…' : 'Open the dashboard'}
        busy={busy}
        error={error}
        errorTitle="Could not open it:"
      />
    </CardForm>
  );
}

/** The overview under the agency's brand, with the link's label and the scope it is held to. */
function SharedDashboard({ session }: { session: ShareSession }) {
  const site = {
    id: session.site.id,
    name: session.site.name,
    domain: session.site.domain,
    status: 'active',
    config: { timezone: session.site.timezone },
  } as Site;
  const { brand, link } = session;
  const scope = Object.entries(link.filters);
  return (
    <div className="app shared">
      <header
        className="top"
        style={brand.primary_color ? { borderTop: `4px solid ${brand.primary_color}` } : undefined}
      >
        <BrandMark brand={brand} />
        <div className="agency">{link.label} · read-only shared dashboard</div>
      </header>
      {scope.length > 0 && (
        <p className="share-scope">
          Showing only {scope.map(([k, v]) => `${k.replace('_', ' ')}: ${v.join(', ')}`).join('; ')}
        </p>
      )}
      <Toolbar site={site} />
      <main id="main" tabIndex={-1}>
        <OverviewPage site={site} shared csv={link.allow_csv} />
      </main>
      {/* The DB-IP credit its licence asks for stands under the Locations panel. */}
      <PoweredBy brand={brand} />
    </div>
  );
}
