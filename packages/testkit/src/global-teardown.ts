import { dropDatabase } from './database.js';
import { TEMPLATE_ENV } from './env.js';

export default async function globalTeardown(): Promise<void> {
  const name = process.env[TEMPLATE_ENV];
  if (name) await dropDatabase(name);
}
