import type { Config } from '@beacon/config';
import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import type { Redis } from '@beacon/queue';
import type { Registry } from 'prom-client';
import type { ApiKeyVerifier } from './auth/api-keys.js';
import type { LoginLimiter } from './auth/login-limiter.js';
import type { AccessTokens } from './auth/tokens.js';
import type { ApiMetrics } from './metrics.js';
import type { ErasureRunner } from './privacy/runner.js';

/** What the API's routes work with; built by startApi (or by a test). */
export interface ApiDeps {
  config: Config;
  pool: Pool;
  logger: Logger;
  registry: Registry;
  metrics: ApiMetrics;
  /** Redis for shared rate limits; null = in-process limits only. */
  redis: Redis | null;
  tokens: AccessTokens;
  apiKeys: ApiKeyVerifier;
  loginLimiter: LoginLimiter;
  /** Runs erasure requests in this process (PRIVACY_ERASE_IN_API). */
  erasures: ErasureRunner;
  /** Readiness gate (false while shutting down). */
  accepting: () => boolean;
}
