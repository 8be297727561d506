import { useState } from 'react';
import { login, requestPasswordReset } from '../api';
import { CardForm, InputField, SubmitRow, useSubmit } from '../form';
import { Link } from '../ui';

export function LoginPage() {
  const { busy, error, onSubmit } = useSubmit((f) =>
    login(String(f.get('email')), String(f.get('password'))),
  );
  return (
    <CardForm id="login-title" title="Sign in" branded onSubmit={onSubmit}>
      <InputField label="Email" name="email" type="email" autoComplete="username" required autoFocus />
      <InputField label="Password" name="password" type="password" autoComplete="current-password" required />
      <SubmitRow
        label={busy ? 'Signing in…' : 'Sign in'}
        busy={busy}
        error={error}
        errorTitle="Could not sign in:"
      />
      <p className="small">
        <Link to="/forgot-password">Forgot password?</Link>
      </p>
    </CardForm>
  );
}

/**
 * Asks for a password-reset email. The API answers the same whether the address has an account or
 * not; the email's link opens the set-password page (`/set-password#token=…&purpose=reset`).
 */
export function ForgotPasswordPage() {
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    const email = String(f.get('email'));
    await requestPasswordReset(email);
    setSent(email);
  });
  return (
    <CardForm id="forgot-title" title="Reset your password" branded onSubmit={onSubmit}>
      {sent ? (
        <p role="status">
          If {sent} belongs to an active account, a link to choose a new password is on its way. It works
          once, for a limited time.
        </p>
      ) : (
        <>
          <p>We email you a link to choose a new password.</p>
          <InputField label="Email" name="email" type="email" autoComplete="username" required autoFocus />
          <SubmitRow
            label={busy ? 'Sending…' : 'Email me a reset link'}
            busy={busy}
            error={error}
            errorTitle="Could not ask for it:"
          />
        </>
      )}
      <p className="small">
        <Link to="/login">Back to sign in</Link>
      </p>
    </CardForm>
  );
}
