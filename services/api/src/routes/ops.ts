import { z } from 'zod';
import { runReadiness } from '@beacon/observability';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';

const readinessSchema = z.object({
  ready: z.boolean(),
  accepting: z.boolean(),
  checks: z.record(
    z.string(),
    z.object({
      ok: z.boolean(),
      optional: z.boolean().optional(),
      detail: z.unknown().optional(),
      error: z.string().optional(),
      ms: z.number(),
    }),
  ),
});

/** /healthz, /readyz, /metrics and /openapi.json: public, no auth. */
export function registerOpsRoutes(t: RouteTable, d: ApiDeps, document: () => Record<string, unknown>): void {
  t.define(
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tags: ['ops'],
      auth: false,
      responses: {
        200: { description: 'Alive', schema: z.object({ status: z.literal('ok'), uptime_s: z.number() }) },
      },
    },
    ({ res }) => {
      res.setHeader('cache-control', 'no-store');
      return { status: 'ok' as const, uptime_s: Math.round(process.uptime()) };
    },
  );

  t.define(
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: PostgreSQL answers (Redis optional: login limits fall back to memory)',
      tags: ['ops'],
      auth: false,
      responses: {
        200: { description: 'Ready', schema: readinessSchema },
        503: { description: 'Not ready', schema: readinessSchema },
      },
    },
    async ({ res, setStatus }) => {
      const checks = [
        { name: 'postgres', check: async () => void (await d.pool.query('SELECT 1')) },
        ...(d.redis
          ? [{ name: 'redis', optional: true, check: async () => void (await d.redis!.ping()) }]
          : []),
        // Optional: a lagging or missing replica only moves dashboard reads to the primary.
        ...(d.replica
          ? [
              {
                name: 'read_replica',
                optional: true,
                check: async () => {
                  const s = d.replica!.status();
                  return { ok: s.inUse, detail: s };
                },
              },
            ]
          : []),
      ];
      const report = await runReadiness(checks);
      const accepting = d.accepting();
      if (!accepting) report.ready = false;
      res.setHeader('cache-control', 'no-store');
      setStatus(report.ready ? 200 : 503);
      return { ...report, accepting };
    },
  );

  t.define(
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tags: ['ops'],
      auth: false,
      responses: {
        200: { description: 'Prometheus text format', schema: z.string(), contentType: 'text/plain' },
      },
    },
    async ({ res }) => {
      const text = await d.registry.metrics();
      res.status(200).type(d.registry.contentType).send(text);
    },
  );

  t.define(
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags: ['ops'],
      auth: false,
      responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) } },
    },
    () => document(),
  );
}
