#!/usr/bin/env node
import { ConfigError } from '@beacon/config';
import { runServiceMain } from '@beacon/observability';
import { startCollector } from './index.js';

/** Process entry of the collector: `node services/collector/dist/main.js` (or `beacon serve collector`). */
await runServiceMain(
  'collector',
  (config, logger) => startCollector(config, { logger }),
  // Endpoints that share a path (route-paths.ts): the config exit code, as for a malformed setting.
  (err) => {
    if (!(err instanceof ConfigError)) return undefined;
    process.stderr.write(`${err.message}\n`);
    return 78;
  },
);
