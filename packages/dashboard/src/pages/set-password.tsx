import { useState } from 'react';
import { setPassword } from '../api';
import { CardForm, InputField, SubmitRow, useSubmit } from '../form';
import { navigate } from '../router';

/** Where invitation and reset emails lead: `/set-password#token=…&purpose=invite|reset`. */
export function SetPasswordPage() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token') ?? '';
  const invite = params.get('purpose') === 'invite';
  const [done, setDone] = useState(false);
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    if (f.get('password') !== f.get('again')) throw new Error('The two passwords differ.');
    await setPassword(token, String(f.get('password')));
    history.replaceState(null, '', '/set-password'); // the used token leaves the address bar
    setDone(true);
  });
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
    <CardForm
      id="setpw-title"
      title={invite ? 'Welcome: choose your password' : 'Choose a new password'}
      branded
      onSubmit={onSubmit}
    >
      <InputField
        label="Password (8 characters or more)"
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={8}
        required
        autoFocus
      />
      <InputField
        label="Once more"
        name="again"
        type="password"
        autoComplete="new-password"
        minLength={8}
        required
      />
      <SubmitRow
        label={busy ? 'Saving…' : 'Set my password'}
        busy={busy}
        disabled={!token}
        error={error}
        errorTitle="Could not set it:"
      />
    </CardForm>
  );
}
