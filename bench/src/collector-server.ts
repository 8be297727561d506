/**
 * Child process of `pnpm bench collector`: runs the server under test on its own (pinnable) core and
 * reports its port over IPC. `collector`: the real collector (config from the environment);
 * `express`: the baseline, a bare express 5 app that parses the same JSON with express.json() and
 * answers 202 without Redis. "close" over IPC shuts it down.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '@beacon/config';
import { startCollector } from '@beacon/collector';

const mode = process.argv[2];
let close: () => Promise<void>;
let port: number;

if (mode === 'collector') {
  const c = await startCollector(parseConfig(process.env));
  port = c.port;
  close = c.close;
} else if (mode === 'express') {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const json = express.json({ limit: '1mb', type: ['application/json', 'text/plain'] });
  app.post('/v1/track', json, (req, res) => {
    res.status(202).json({ accepted: req.body && typeof req.body === 'object' ? 1 : 0, rejected: [] });
  });
  app.post('/v1/batch', json, (req, res) => {
    const events = (req.body as { events?: unknown[] }).events;
    res.status(202).json({ accepted: Array.isArray(events) ? events.length : 0, rejected: [] });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
  close = () => new Promise((r) => server.close(() => r()));
} else {
  throw new Error(`unknown mode ${mode}`);
}

process.on('message', (m) => {
  if (m === 'close') void close().then(() => process.exit(0));
});
process.send!({ port });
