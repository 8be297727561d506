import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { HttpError } from '@beacon/schema/http-error';
import { get } from './api';
import { navigate } from './router';
import type { Snippet } from './types';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorBox({
  error,
  retry,
  title = 'Something went wrong.',
}: {
  error: unknown;
  retry?: () => void;
  title?: string;
}) {
  const msg =
    error instanceof HttpError
      ? `${error.message} (${error.code}, HTTP ${error.status})`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="error" role="alert">
      <strong>{title}</strong> {msg}
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Renders a query's loading and error states, else its data. */
export function Async<T>({
  q,
  children,
  label,
}: {
  q: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  children: (data: T) => ReactNode;
  label?: string;
}) {
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  if (q.isPending || q.data === undefined) return <Loading {...(label ? { label } : {})} />;
  return <>{children(q.data)}</>;
}

export function Link({
  to,
  children,
  className,
  current,
}: {
  to: string;
  children: ReactNode;
  className?: string;
  current?: boolean;
}) {
  return (
    <a
      href={to}
      className={className}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'idle' | 'ok' | 'fail'>('idle');
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone('ok');
        } catch {
          setDone('fail');
        }
        setTimeout(() => setDone('idle'), 2500);
      }}
    >
      {done === 'ok' ? 'Copied' : done === 'fail' ? 'Copy failed: select the text' : label}
      <span className="sr-only" role="status">
        {done === 'ok' ? 'Snippet copied to the clipboard' : ''}
      </span>
    </button>
  );
}

export function SnippetBox({ siteId }: { siteId: string }) {
  const q = useQuery({
    queryKey: ['snippet', siteId],
    queryFn: () => get<Snippet>(`/v1/sites/${siteId}/snippet`),
  });
  return (
    <Async q={q}>
      {(s) => (
        <div className="snippet">
          <pre tabIndex={0} aria-label="Tracking snippet">
            <code>{s.html}</code>
          </pre>
          <CopyButton text={s.html} label="Copy snippet" />
        </div>
      )}
    </Async>
  );
}

/**
 * What a new site shows before its first event arrives. `snippet` false (a shared dashboard, which may
 * read only figures): the notice alone, no tracking snippet.
 */
export function EmptySite({
  siteId,
  what = 'data',
  snippet = true,
}: {
  siteId: string;
  what?: string;
  snippet?: boolean;
}) {
  return (
    <section className="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No {what} yet</h2>
      {snippet && (
        <>
          <p>
            Paste this snippet into the <code>&lt;head&gt;</code> of every page of your site. Visits show up
            here within a few seconds of the first page view.
          </p>
          <SnippetBox siteId={siteId} />
        </>
      )}
    </section>
  );
}

export function Panel({
  title,
  children,
  actions,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  const id = `p-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className="panel" aria-labelledby={id}>
      <header className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** DB-IP Lite is CC BY 4.0: its credit goes where its data is shown (NOTICE). */
export function GeoCredit() {
  return (
    <p className="credit muted small">
      <a href="https://db-ip.com" target="_blank" rel="noopener noreferrer">
        IP geolocation by DB-IP
      </a>
    </p>
  );
}

/** A fact of a `Facts` list: its name, its value, and the `data-metric` tests read it by. */
export interface Fact {
  label: ReactNode;
  value: ReactNode;
  metric?: string;
}

/** Named figures side by side (`dl.facts`). */
export function Facts({ items, label, testId }: { items: Fact[]; label?: string; testId?: string }) {
  return (
    <dl className="facts" aria-label={label} data-testid={testId}>
      {items.map((f, i) => (
        <div key={i}>
          <dt>{f.label}</dt>
          <dd data-metric={f.metric}>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The link back to the list a detail page came from. */
export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <p>
      <Link to={to}>← {children}</Link>
    </p>
  );
}

/** Loads the next page of a cursor-paged list. */
export function MoreButton({
  q,
  label = 'Load more',
}: {
  q: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  label?: string;
}) {
  if (!q.hasNextPage) return null;
  return (
    <button type="button" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
      {q.isFetchingNextPage ? 'Loading…' : label}
    </button>
  );
}

/** What a list says when it has nothing to show. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted">{children}</p>;
}

/** A button that looks like a link: a row's small action (Delete, Replay, Enable…). */
export function LinkButton({ onClick, children }: { onClick: () => unknown; children: ReactNode }) {
  return (
    <button type="button" className="link" onClick={() => void onClick()}>
      {children}
    </button>
  );
}
