import { useState } from 'react';
import { setPassword } from '../api';
import { navigate } from '../router';
import { ErrorBox } from '../ui';

/** Where invitation and reset emails lead: `/set-password#token=…&purpose=invite|reset`. */
export function SetPasswordPage() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token') ?? '';
  const invite = params.get('purpose') === 'invite';
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  if (done)
    return (
      <main className="login" id="main">
        <div className="panel login-form">
          <h1>Password set</h1>
          <p>Sign in with your email and the password you chose.</p>
          <button type="button" className="primary" onClick={() => navigate('/login', { replace: true })}>
            Sign in
          </button>
        </div>
      </main>
    );
  return (
    <main className="login" id="main">
      <form
        className="panel login-form"
        aria-labelledby="setpw-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          if (f.get('password') !== f.get('again')) return setError(new Error('The two passwords differ.'));
          setBusy(true);
          setError(null);
          try {
            await setPassword(token, String(f.get('password')));
            history.replaceState(null, '', '/set-password'); // the used token leaves the address bar
            setDone(true);
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="setpw-title">{invite ? 'Welcome: choose your password' : 'Choose a new password'}</h1>
        <label>
          <span>Password (8 characters or more)</span>
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            required
            autoFocus
          />
        </label>
        <label>
          <span>Once more</span>
          <input name="again" type="password" autoComplete="new-password" minLength={8} required />
        </label>
        {error != null && <ErrorBox error={error} title="Could not set it:" />}
        <button type="submit" className="primary" disabled={busy || !token}>
          {busy ? 'Saving…' : 'Set my password'}
        </button>
      </form>
    </main>
  );
}
