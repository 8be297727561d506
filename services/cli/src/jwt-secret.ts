import { randomBytes } from 'node:crypto';
import { appendFile, chmod, readFile } from 'node:fs/promises';
import type { Config } from '@beacon/config';

/**
 * `beacon start` on a laptop without API_JWT_SECRET: a random secret per process would log every
 * dashboard user out on each restart. So the first start makes one and appends it to the local `.env`
 * (read by every later start, see loadDotEnv), creating the file with mode 0600 or tightening an
 * existing one to 0600, since it now holds a secret. A secret already set (environment or .env) wins.
 * Production sets API_JWT_SECRET itself (the API refuses to start without it there).
 */
export async function ensureJwtSecret(
  config: Config,
  envPath = '.env',
): Promise<{ config: Config; created: boolean }> {
  if (config.api.jwtSecret) return { config, created: false };
  const existing = await readFile(envPath, 'utf8').catch(() => '');
  const secret = randomBytes(48).toString('base64url');
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await appendFile(
    envPath,
    `${sep}# Signs dashboard logins; made by the first beacon start so a restart keeps everyone logged in.\nAPI_JWT_SECRET=${secret}\n`,
    { mode: 0o600 },
  );
  await chmod(envPath, 0o600);
  process.env.API_JWT_SECRET = secret;
  return { config: { ...config, api: { ...config.api, jwtSecret: secret } }, created: true };
}
