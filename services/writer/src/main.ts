#!/usr/bin/env node
import { loadConfigOrExit, loadDotEnv } from '@beacon/config';
import { createLogger } from '@beacon/observability';
import { startWriter } from './writer.js';

loadDotEnv();
const config = loadConfigOrExit();
const log = createLogger('writer', config.core.logLevel);
process.on('uncaughtException', (err) => {
  // State unknown: exit fast; jobs held return to the queue when their locks expire.
  log.fatal({ err }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  log.fatal({ err }, 'unhandled rejection');
  process.exit(1);
});

const writer = await startWriter(config, { logger: log });
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    writer.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
