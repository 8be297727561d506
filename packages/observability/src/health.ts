import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** One dependency a service needs to do its work (PostgreSQL, Redis, a GeoIP database, ...). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves with optional detail when the dependency answers; throws (or returns ok:false) when not. */
  check(): Promise<{ ok: boolean; detail?: unknown } | void>;
  /** A failed optional check is reported in the detail but does not make the service unready. */
  readonly optional?: boolean;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; optional?: boolean; detail?: unknown; error?: string; ms: number }>;
}

const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check in parallel, each bounded by a timeout so /readyz never hangs. */
export async function runReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const report: ReadinessReport = { ready: true, checks: {} };
  await Promise.all(
    checks.map(async (c) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
            CHECK_TIMEOUT_MS,
          );
        });
        const result = (await Promise.race([c.check(), timeout])) ?? { ok: true };
        report.checks[c.name] = {
          ok: result.ok,
          detail: result.detail,
          ms: Math.round(performance.now() - started),
        };
      } catch (err) {
        report.checks[c.name] = {
          ok: false,
          error: (err as Error).message,
          ms: Math.round(performance.now() - started),
        };
      } finally {
        clearTimeout(timer);
      }
      if (c.optional) report.checks[c.name]!.optional = true;
      else if (!report.checks[c.name]!.ok) report.ready = false;
    }),
  );
  return report;
}

export interface OpsEndpoints {
  registry: Registry;
  checks: readonly ReadinessCheck[];
  /** Extra gate for readiness, e.g. false while the service is shutting down. */
  accepting?: () => boolean;
}

/**
 * Answers GET /metrics, /healthz (the process is alive) and /readyz (its dependencies answer) on a
 * plain node:http request. Returns false for any other path so a caller can fall through. Usable as
 * express middleware via `(req, res, next) => handleOps(ops, req, res) || next()`.
 */
export function handleOps(ops: OpsEndpoints, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/healthz') {
    send(
      res,
      200,
      'application/json',
      JSON.stringify({ status: 'ok', uptime_s: Math.round(process.uptime()) }),
    );
    return true;
  }
  if (path === '/readyz') {
    void runReadiness(ops.checks).then(
      (report) => {
        const accepting = ops.accepting?.() ?? true;
        if (!accepting) report.ready = false;
        send(res, report.ready ? 200 : 503, 'application/json', JSON.stringify({ ...report, accepting }));
      },
      (err: Error) =>
        send(res, 503, 'application/json', JSON.stringify({ ready: false, error: err.message })),
    );
    return true;
  }
  if (path === '/metrics') {
    void ops.registry.metrics().then(
      (text) => send(res, 200, ops.registry.contentType, text),
      (err: Error) => send(res, 500, 'text/plain', `metrics failed: ${err.message}`),
    );
    return true;
  }
  return false;
}

/**
 * The only ops answers of an internet-facing port (collector, api): `/healthz` and `/readyz` say ok or
 * not ok and nothing else (no dependency names, errors or timings, no metrics). The detail lives on the
 * service's internal ops port (startOpsServer). Returns false for any other path.
 */
export function handlePublicProbes(ops: OpsEndpoints, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/healthz') {
    send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
    return true;
  }
  if (path === '/readyz') {
    void publicReadiness(ops).then((ok) =>
      send(res, ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ok' : 'not ok' })),
    );
    return true;
  }
  return false;
}

/** Readiness as one boolean (what a public probe may say). */
export async function publicReadiness(ops: Pick<OpsEndpoints, 'checks' | 'accepting'>): Promise<boolean> {
  try {
    const report = await runReadiness(ops.checks);
    return report.ready && (ops.accepting?.() ?? true);
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * A small HTTP server with only the ops endpoints: the whole port of the queue workers, and the
 * internal ops port of the collector and the api (kept off the internet: not published, not in the
 * Service/Ingress; Prometheus and orchestrator probes reach it).
 */
export async function startOpsServer(ops: OpsEndpoints, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    if (!handleOps(ops, req, res)) send(res, 404, 'application/json', JSON.stringify({ error: 'not_found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
