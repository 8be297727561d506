import { z } from 'zod';
import { publicReadiness, type OpsEndpoints } from '@beacon/observability';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';

/**
 * What the API's readiness depends on: PostgreSQL (required), Redis (optional: login limits fall back
 * to memory) and the read replica when one is configured (optional), gated by `accepting` (false while shutting down). The internal ops port (startApi)
 * answers /readyz with this detail and /metrics; the public port only says ok / not ok.
 */
export function apiOps(d: ApiDeps): OpsEndpoints {
  return {
    registry: d.registry,
    checks: [
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
    ],
    accepting: d.accepting,
  };
}

const statusSchema = z.object({ status: z.enum(['ok', 'not ok']) }).meta({ id: 'ProbeStatus' });

/**
 * The public ops routes: /healthz and /readyz say ok or not ok and nothing more (no dependency names,
 * errors or timings); /openapi.json needs a caller of the agency (any role or an API key). /metrics and
 * the detailed /readyz are on the internal ops port only (API_OPS_PORT).
 */
export function registerOpsRoutes(t: RouteTable, d: ApiDeps, document: () => Record<string, unknown>): void {
  const ops = apiOps(d);
  t.define(
    {
      route: 'get /healthz',
      summary: 'Liveness: the process answers',
      tags: ['ops'],
      auth: false,
      responses: { 200: ['Alive', statusSchema] },
    },
    ({ res }) => {
      res.setHeader('cache-control', 'no-store');
      return { status: 'ok' as const };
    },
  );

  t.define(
    {
      route: 'get /readyz',
      summary:
        'Readiness: ok when the API can serve (PostgreSQL answers, not shutting down); detail on the internal ops port',
      tags: ['ops'],
      auth: false,
      responses: { 200: ['Ready', statusSchema], 503: ['Not ready', statusSchema] },
    },
    async ({ res, setStatus }) => {
      const ok = await publicReadiness(ops);
      res.setHeader('cache-control', 'no-store');
      setStatus(ok ? 200 : 503);
      return { status: ok ? ('ok' as const) : ('not ok' as const) };
    },
  );

  t.define(
    {
      route: 'get /openapi.json',
      summary: 'This OpenAPI 3.1 document (for a logged-in user or an API key)',
      description:
        'Behind authentication so an anonymous scan does not get a map of the API; the same document is committed as services/api/openapi.json.',
      tags: ['ops'],
      responses: { 200: ['The document', z.record(z.string(), z.unknown())] },
    },
    () => document(),
  );
}
