import { login } from '../api';
import { CardForm, Field, SubmitRow, useSubmit } from '../form';

export function LoginPage() {
  const { busy, error, onSubmit } = useSubmit((f) =>
    login(String(f.get('email')), String(f.get('password'))),
  );
  const brand = (
    <div className="brand big">
      <span className="logo" aria-hidden="true" /> Beacon
    </div>
  );
  return (
    <CardForm id="login-title" title="Sign in" brand={brand} onSubmit={onSubmit}>
      <Field label="Email">
        <input name="email" type="email" autoComplete="username" required autoFocus />
      </Field>
      <Field label="Password">
        <input name="password" type="password" autoComplete="current-password" required />
      </Field>
      <SubmitRow
        label={busy ? 'Signing in…' : 'Sign in'}
        busy={busy}
        error={error}
        errorTitle="Could not sign in:"
      />
    </CardForm>
  );
}
