import { loadConfigOrExit, loadDotEnv } from '@beacon/config';
import { ApiConfigError, startApi } from './server.js';

loadDotEnv();
const config = loadConfigOrExit();
try {
  const api = await startApi(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    api.deps.logger.info({ signal }, 'api stopping');
    void api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (err) => {
    api.deps.logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
} catch (err) {
  if (err instanceof ApiConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  throw err;
}
