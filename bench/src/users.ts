import { psql } from './psql.js';

/** The dashboard login of the benchmarks (bcrypt cost 4: a login is not what they measure). */
const EMAIL = 'bench@bench.test';
const PASSWORD = 'bench-password';

/** Adds the bench login to the database's agency with `role`. */
export async function addBenchUser(
  databaseUrl: string,
  role: 'viewer' | 'user' | 'admin' = 'viewer',
): Promise<void> {
  await psql(
    databaseUrl,
    `CREATE EXTENSION IF NOT EXISTS pgcrypto;
     INSERT INTO dashboard_users (agency_id, email, password_hash, role)
     SELECT id, '${EMAIL}', crypt('${PASSWORD}', gen_salt('bf', 4)), '${role}' FROM agencies`,
  );
}

/** An access token of the bench login from the API at `apiUrl`. */
export async function benchToken(apiUrl: string): Promise<string> {
  const login = await fetch(`${apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { access_token: string }).access_token;
}
