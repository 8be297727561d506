#!/usr/bin/env node
import { loadConfigOrExit, loadDotEnv } from '@beacon/config';
import { createLogger } from '@beacon/observability';
import { startCollector } from './index.js';

loadDotEnv();
const config = loadConfigOrExit();
const logger = createLogger('collector', config.core.logLevel);
const collector = await startCollector(config, { logger });

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing requests and flushing hits to Redis');
  collector.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception; exiting');
  process.exit(1);
});
