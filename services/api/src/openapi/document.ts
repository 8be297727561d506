import { parseConfig } from '@beacon/config';
import { silentObservability } from '@beacon/observability';
import { createApp } from '../app.js';
import { buildDeps } from '../server.js';

/**
 * The OpenAPI document as the code defines it, built without any server or database (the pool is
 * created but never connects). What `write-openapi` commits and the drift test compares.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = parseConfig({ API_JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent' });
  const deps = buildDeps(config, {
    redis: null,
    ...silentObservability('api'),
  });
  try {
    return createApp(deps).document();
  } finally {
    await deps.pool.end();
  }
}

/** Stable text of the document (2-space JSON, trailing newline). */
export function documentText(doc: Record<string, unknown>): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
