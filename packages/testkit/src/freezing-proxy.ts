import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a server (Redis) that can go silent on the connections it holds while new ones still
 * pass, like a half-open socket after a failover: what a hung consumer connection looks like.
 */
export interface FreezingProxy {
  url: string;
  /** Existing connections stop carrying data in both directions (no close, no error). */
  freeze(): void;
  /** Frozen connections are closed at last (as TCP keepalive would): their clients may reconnect. */
  dropFrozen(): void;
  close(): Promise<void>;
}

export async function freezingProxy(target: URL): Promise<FreezingProxy> {
  const frozen: Socket[] = [];
  const live = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    client.pipe(upstream);
    upstream.pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    live.add(pair);
    const end = () => {
      live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze() {
      for (const [client, upstream] of live) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        frozen.push(client, upstream);
      }
      live.clear();
    },
    dropFrozen() {
      for (const s of frozen.splice(0)) s.destroy();
    },
    async close() {
      for (const s of frozen) s.destroy();
      for (const [a, b] of live) {
        a.destroy();
        b.destroy();
      }
      await new Promise((r) => server.close(r));
    },
  };
}
