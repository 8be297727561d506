import { useState } from 'react';
import { login } from '../api';
import { ErrorBox } from '../ui';

export function LoginPage() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <main className="login" id="main">
      <form
        className="panel login-form"
        aria-labelledby="login-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          setBusy(true);
          setError(null);
          try {
            await login(String(f.get('email')), String(f.get('password')));
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="brand big">
          <span className="logo" aria-hidden="true" /> Beacon
        </div>
        <h1 id="login-title">Sign in</h1>
        <label>
          <span>Email</span>
          <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error != null && <ErrorBox error={error} title="Could not sign in:" />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
