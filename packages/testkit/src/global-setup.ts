import { createTemplateDatabase } from './database.js';
import { TEMPLATE_ENV } from './env.js';

/** Jest global setup: one migrated template database per run; test files clone it. */
export default async function globalSetup(): Promise<void> {
  process.env[TEMPLATE_ENV] = await createTemplateDatabase();
}
