import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logger of one service. `level` comes from config (LOG_LEVEL); tests pass a `destination`
 * (an in-memory sink) and parse each line as JSON.
 */
const withoutClient = (e: ReturnType<typeof pino.stdSerializers.err>) => {
  if (e && typeof e === 'object' && 'client' in e) delete (e as { client?: unknown }).client;
  return e;
};

export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // pg hangs the whole client (connection, parser, type tables: ~5 KB) on errors of its pool;
      // the error's code, message and stack are what an operator reads.
      serializers: { err: (e: Error) => withoutClient(pino.stdSerializers.err(e)) },
      // Never log credentials that may ride along in objects we log.
      redact: {
        paths: [
          'password',
          '*.password',
          'apiKey',
          '*.apiKey',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
