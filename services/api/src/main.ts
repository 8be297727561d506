#!/usr/bin/env node
import { runServiceMain } from '@beacon/observability';
import { ApiConfigError, startApi } from './server.js';

/** Process entry of the API: `node services/api/dist/main.js` (or `beacon serve api`). */
await runServiceMain(
  'api',
  (config, logger) => startApi(config, { logger }),
  // A setting the API cannot start without (API_JWT_SECRET in production): the config exit code.
  (err) => {
    if (!(err instanceof ApiConfigError)) return undefined;
    process.stderr.write(`${err.message}\n`);
    return 78;
  },
);
