import { useState } from 'react';
import { ErrorBox } from '../ui';

/** Where a report email's "Stop these emails" leads: one button, no login (a GET changes nothing). */
export function UnsubscribePage() {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <main className="login" id="main">
      <div className="panel login-form">
        <h1>Report emails</h1>
        {done ? (
          <p role="status">{done}</p>
        ) : (
          <>
            <p>Stop receiving this scheduled report?</p>
            {error != null && <ErrorBox error={error} title="Could not unsubscribe:" />}
            <button
              type="button"
              className="primary"
              onClick={async () => {
                const r = await fetch(`/v1/reports/unsubscribe?token=${encodeURIComponent(token)}`, {
                  method: 'POST',
                });
                const body = (await r.json()) as { message?: string };
                if (r.ok) setDone(body.message ?? 'Done.');
                else setError(new Error(body.message ?? `HTTP ${r.status}`));
              }}
            >
              Unsubscribe
            </button>
          </>
        )}
      </div>
    </main>
  );
}
