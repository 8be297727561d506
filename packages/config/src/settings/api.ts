import { parsers as p, setting } from '../setting.js';
import { listener } from './listener.js';

/** Query API, auth and administration. */
export const api = {
  ...listener({
    prefix: 'API',
    port: 3000,
    opsPort: 9104,
    name: 'the API',
    serves: 'the query API (the dashboard, /openapi.json for authenticated callers)',
  }),
  nodeEnv: setting('NODE_ENV', p.oneOf(['development', 'production', 'test']), 'development')`
    development, production or test. In production the API refuses to start without API_JWT_SECRET.`,
  jwtSecret: setting('API_JWT_SECRET', p.secret({ min: 32, max: 1024 }), '')`
    Secret (32+ random characters, e.g. openssl rand -hex 32; example placeholders are refused) signing
    dashboard access tokens (HS256). Required in production; when unset in development a random one is made
    at start (logins then end with the process) and a warning is logged.`,
  accessTokenTtlS: setting('API_ACCESS_TOKEN_TTL_S', p.int(30, 86_400), 900)`
    Lifetime of a dashboard access token in seconds; the dashboard refreshes it with the refresh token.`,
  refreshTokenTtlS: setting('API_REFRESH_TOKEN_TTL_S', p.int(300, 90 * 86_400), 14 * 86_400)`
    Idle lifetime of a login session in seconds (each refresh extends it, up to 90 days after login).`,
  cookieSecure: setting('API_COOKIE_SECURE', p.bool(), true)`
    Mark the refresh-token cookie Secure (HTTPS only). Set false only for plain-HTTP development on another
    host than localhost.`,
  trustProxy: setting('API_TRUST_PROXY', p.trustProxy(), '')`
    Proxies in front of the API whose X-Forwarded-For is believed (the client IP of login limits and session
    records), same syntax as COLLECTOR_TRUST_PROXY. Empty = TRUST_PROXY.`,
  corsOrigins: setting('API_CORS_ORIGINS', p.list(), [] as string[])`
    Comma-separated origins of dashboards served from another origin (e.g. https://dash.example.com); empty =
    same origin only.`,
  loginMaxFailuresPerIp: setting('API_LOGIN_MAX_FAILURES_PER_IP', p.int(1, 100_000), 30)`
    Failed logins and API-key checks allowed from one IP address per API_LOGIN_WINDOW_S before it gets 429s.
    Every attempt takes a point before the password is checked; a success gives it back.`,
  loginMaxFailuresPerAccount: setting('API_LOGIN_MAX_FAILURES_PER_ACCOUNT', p.int(1, 10_000), 8)`
    Failed logins allowed for one email per API_LOGIN_WINDOW_S before it is locked for the rest of the
    window.`,
  loginWindowS: setting('API_LOGIN_WINDOW_S', p.int(1, 86_400), 900)`
    Window of the login limits, in seconds.`,
  bcryptConcurrency: setting('API_BCRYPT_CONCURRENCY', p.int(1, 64), 2)`
    Password and API-key checks (bcrypt, tens of ms of CPU each) run at once per API process; the rest wait.`,
  bcryptQueueMax: setting('API_BCRYPT_QUEUE_MAX', p.int(0, 100_000), 32)`
    Checks allowed to wait for API_BCRYPT_CONCURRENCY; past this a login or API-key request is refused at
    once with 503 and Retry-After (a flood costs bounded CPU).`,
  apiKeyCacheTtlS: setting('API_KEY_CACHE_TTL_S', p.int(0, 86_400), 300)`
    How long a verified agency API key skips bcrypt (the agency row is still read on every request, so
    rotation applies at once).`,
  bodyLimitBytes: setting('API_BODY_LIMIT_BYTES', p.int(1_024, 10_485_760), 102_400)`
    Largest JSON request body, in bytes.`,
  requestLogLevel: setting('API_REQUEST_LOG_LEVEL', p.oneOf(['info', 'debug']), 'info')`
    Level of the one log line per API request (errors are always logged). beacon start uses debug unless set,
    so its banner is not scrolled away.`,
  shareRequestsPerMin: setting('API_SHARE_REQUESTS_PER_MIN', p.int(10, 100_000), 600)`
    Requests per minute one shared-dashboard link may make (all its viewers together); past it they get 429
    with Retry-After.`,
  backgroundJobs: setting('API_BACKGROUND_JOBS', p.bool(), true)`
    Run the background work of the API in this process: company alerts (dispatcher, delivery worker, sweep),
    scheduled email reports, traffic alerts and monthly quota checks, the lead score decay recompute. false:
    this replica only answers requests (no alert Redis connections or pool); keep it on in at least one
    replica. Replicas that run it share the work safely.`,
};
