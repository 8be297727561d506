import type { Config } from '@beacon/config';
import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import type { RedisClient } from '@beacon/queue';
import type { Registry } from 'prom-client';
import type { ApiKeyVerifier } from '@beacon/auth';
import type { ShareTokens } from './auth/share-tokens.js';
import type { UnsubscribeLinks } from './reports/unsubscribe.js';
import type { BcryptGate } from './auth/bcrypt-gate.js';
import type { AuthThrottle } from './auth/throttle.js';
import type { AccessTokens } from './auth/tokens.js';
import type { Mailer } from './email/mailer.js';
import type { ApiMetrics } from '@beacon/observability';
import type { ReadReplicaRouter } from './read-replica.js';
import type { ErasureRunner } from './privacy/runner.js';
import type { Alerting } from './b2b/alerting.js';
import type { ApiCallTally } from './api-calls.js';

/** What the API's routes work with; built by startApi (or by a test). */
export interface ApiDeps {
  config: Config;
  /** The primary: auth, administration, realtime, and everything that must see its own writes. */
  pool: Pool;
  /** Where a dashboard read goes now: the read replica while it keeps up, else the primary. */
  reads: () => Pool;
  /** The replica router when DATABASE_READ_URL is set. */
  replica?: ReadReplicaRouter;
  logger: Logger;
  registry: Registry;
  metrics: ApiMetrics;
  /** Redis for shared rate limits; null = in-process limits only. */
  redis: RedisClient | null;
  tokens: AccessTokens;
  apiKeys: ApiKeyVerifier;
  /** Failed-attempt budgets per IP and per account (logins, API keys). */
  throttle: AuthThrottle;
  /** Bounded bcrypt for request-time checks (logins, API keys). */
  bcrypt: BcryptGate;
  /** Runs erasure requests in this process (PRIVACY_ERASE_IN_API). */
  erasures: ErasureRunner;
  /** Budgets of the account links (password-reset requests, set-password tokens) per IP and email. */
  accountThrottle: AuthThrottle;
  /** Access tokens of shared dashboards (share links). */
  shares: ShareTokens;
  /** Signed unsubscribe links of report emails. */
  reportLinks: UnsubscribeLinks;
  /** Outgoing email (SMTP_URL); off when unset. */
  mailer: Mailer;
  /** Company alerts of this process (dispatcher, delivery worker); absent when switched off. */
  alerts?: Alerting;
  /** Authenticated requests per agency and month, flushed to api_calls every few seconds. */
  apiCalls: ApiCallTally;
  /** Readiness gate (false while shutting down). */
  accepting: () => boolean;
}
