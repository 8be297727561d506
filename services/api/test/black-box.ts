/**
 * Helpers of the adversarial suite (adversarial.test.ts): the built API as its own process, and what
 * a client can learn from the OpenAPI document (operations, path parameters, sample bodies). Nothing
 * here reads the API's internals: only its process, its HTTP answers and its published document.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';

const API_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface ApiProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  opsPort: number;
  /** user + system CPU seconds the process has used so far (Linux /proc). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * `node services/api/dist/main.js` on ephemeral ports (API_PORT=0, API_OPS_PORT=0, listening on `::`
 * so other local addresses reach it too), in production mode; resolves once it logs its ports.
 */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, [API_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      API_PORT: '0',
      API_OPS_PORT: '0',
      API_HOST: '::',
      API_JWT_SECRET: randomBytes(32).toString('hex'),
      API_COOKIE_SECURE: 'false',
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: '5',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ports = await new Promise<{ port: number; opsPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API did not start:\n${output}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const line of output.split('\n')) {
        if (!line.includes('api listening')) continue;
        const l = JSON.parse(line) as { port: number; opsPort: number };
        clearTimeout(timer);
        resolve({ port: l.port, opsPort: l.opsPort });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the API exited with ${code}:\n${output}`));
    });
  });
  // Keep draining its log so the pipe never fills.
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  return {
    child,
    ...ports,
    url: `http://127.0.0.1:${ports.port}`,
    async cpuSeconds() {
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A local address of this machine other than loopback (preferring private ranges), for URLs. */
export function nonLoopbackHost(): string | undefined {
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((i): i is NonNullable<typeof i> => !!i && !i.internal && !i.address.startsWith('fe80'));
  const isPrivate = (a: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|f[cd])/i.test(a);
  const pick = all.find((i) => isPrivate(i.address)) ?? all[0];
  if (!pick) return undefined;
  return pick.family === 'IPv6' ? `[${pick.address}]` : pick.address;
}

// --------------------------------------------------------------------------------------------------
// The OpenAPI document, as a client reads it

type Schema = Record<string, unknown>;
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
export interface Operation {
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  'x-roles'?: string[];
}
export interface Op {
  method: string;
  /** The document's template, e.g. /v1/sites/{siteId}. */
  path: string;
  op: Operation;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operations(doc: OpenApiDoc): Op[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ method, path, op })),
  );
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

export function resolveRef(doc: OpenApiDoc, s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; i < 10 && cur && typeof cur.$ref === 'string'; i++)
    cur = doc.components?.schemas?.[(cur.$ref as string).split('/').pop()!];
  return cur;
}

/** The values an enum path parameter allows (empty for a free one). */
export function enumOf(doc: OpenApiDoc, op: Op, name: string): string[] {
  const p = op.op.parameters?.find((x) => x.in === 'path' && x.name === name);
  const s = resolveRef(doc, p?.schema);
  return Array.isArray(s?.enum) ? (s.enum as string[]) : [];
}

export function hasQueryParam(op: Op, name: string): boolean {
  return !!op.op.parameters?.some((p) => p.in === 'query' && p.name === name);
}

/**
 * A body that passes the document's schema (required fields filled by type, format, enum and length;
 * for an object with no required field, its first string field), so a probe reaches the tenant wall
 * and the role check instead of stopping at validation.
 */
export function sampleBody(doc: OpenApiDoc, op: Op): unknown {
  const schema = resolveRef(doc, op.op.requestBody?.content?.['application/json']?.schema);
  return schema ? sample(doc, schema, 'probe') : undefined;
}

function sample(doc: OpenApiDoc, s0: Schema, name: string): unknown {
  const s = resolveRef(doc, s0) ?? {};
  if (Array.isArray(s.enum)) return s.enum[0];
  if ('const' in s) return s.const;
  const variants = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (variants?.length) return sample(doc, variants.find((v) => v.type !== 'null') ?? variants[0]!, name);
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      const keys = required.length
        ? required
        : Object.keys(props)
            .filter((k) => resolveRef(doc, props[k])?.type === 'string')
            .slice(0, 1);
      return Object.fromEntries(keys.map((k) => [k, sample(doc, props[k] ?? {}, k)]));
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return false;
    default: {
      if (s.format === 'email' || /email/i.test(name))
        return `mallory-${randomBytes(3).toString('hex')}@evil.test`;
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (/domain/i.test(name)) return 'mallory.example';
      const min = typeof s.minLength === 'number' ? s.minLength : 1;
      return 'mallory-probe'.padEnd(Math.max(min, 13), 'x');
    }
  }
}
