#!/usr/bin/env node
import { loadConfigOrExit, loadDotEnv } from '@beacon/config';
import { createLogger } from '@beacon/observability';
import { startEnricher } from './index.js';

/** Process entry of the enricher: `node services/enricher/dist/main.js` (or `beacon serve enricher`). */
loadDotEnv();
const config = loadConfigOrExit();
const logger = createLogger('enricher', config.core.logLevel);
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception: exiting');
  process.exit(1);
});
const handle = await startEnricher(config, { logger });
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    handle.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
