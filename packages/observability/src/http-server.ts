import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startOpsServer, type OpsEndpoints } from './health.js';

/** Listens on `port` (0: any free one) and answers the port bound; rejects when the port is taken. */
export async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return boundPort(server)!;
}

/** The port a listening server is bound to; null when it is not listening (or is null itself). */
export function boundPort(server: Server | null | undefined): number | null {
  const address = server?.address();
  return address && typeof address === 'object' ? (address as AddressInfo).port : null;
}

/**
 * Stops a server taking connections and resolves once the last one has closed. Requests in flight get
 * `graceMs` to finish (idle keep-alive connections close at once); after that, or at once when
 * `graceMs` is 0 (ops servers: probes and scrapes only), every connection is cut.
 */
export async function closeServer(server: Server, graceMs = 0): Promise<void> {
  if (!server.listening) return;
  const timer = graceMs > 0 ? setTimeout(() => server.closeAllConnections(), graceMs) : undefined;
  timer?.unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (graceMs > 0) server.closeIdleConnections();
  else server.closeAllConnections();
  await closed;
  clearTimeout(timer);
}

/**
 * The ops server of a service on `port` (0: ephemeral), or none when `port` is null. Which port: the
 * override when one is given, else an ephemeral one when the service's own port is ephemeral (tests),
 * else the configured one.
 */
export function opsPortFor(
  override: number | null | undefined,
  configured: number,
  ephemeral: boolean,
): number | null {
  if (override !== undefined) return override;
  return ephemeral ? 0 : configured;
}

/** A service's ops server: the port it is bound to (null: none was asked for) and its close. */
export interface OpsServer {
  readonly port: number | null;
  close(): Promise<void>;
}

/** startOpsServer on `port` (0: ephemeral), or nothing when `port` is null. */
export async function startOps(ops: OpsEndpoints, port: number | null, host?: string): Promise<OpsServer> {
  const server = port === null ? null : await startOpsServer(ops, port, host);
  return { port: boundPort(server), close: async () => void (server && (await closeServer(server))) };
}

/** Where a service with a public port listens: configured ports and host, and a caller's overrides. */
export interface PublicListen {
  host: string;
  port: number;
  opsPort: number;
  /** The caller's port (tests: 0) instead of `port`. */
  portOverride?: number | undefined;
  /** The caller's ops port (null: none) instead of opsPortFor's choice. */
  opsPortOverride?: number | null | undefined;
}

/**
 * Listens `server` on its public port and starts the ops server beside it (opsPortFor: ephemeral when
 * the public port is); when the ops server cannot start, the public server is closed again.
 */
export async function listenWithOps(
  server: Server,
  ops: OpsEndpoints,
  at: PublicListen,
): Promise<{ port: number; opsServer: OpsServer }> {
  const port = await listen(server, at.portOverride ?? at.port, at.host);
  const ephemeral = at.port === 0 || at.portOverride === 0;
  const opsServer = await startOps(ops, opsPortFor(at.opsPortOverride, at.opsPort, ephemeral), at.host).catch(
    async (err: unknown) => {
      await closeServer(server);
      throw err;
    },
  );
  return { port, opsServer };
}
