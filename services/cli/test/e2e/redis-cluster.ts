/**
 * A real Redis Cluster for tests, from the machine's `redis-server` and `redis-cli`: N masters with one
 * replica each, cluster-enabled nodes on free ports (each port + 10000, the cluster bus, free too),
 * joined with `redis-cli --cluster create`. No persistence; every file under a temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@beacon/testkit';

export interface ClusterNode {
  port: number;
  proc: ChildProcess;
  /** `127.0.0.1:<port>`. */
  addr: string;
}

export interface RedisClusterHandle {
  nodes: ClusterNode[];
  /** Seed list for REDIS_CLUSTER_NODES. */
  seeds: string;
  /** `redis-cli -p <port> <args>` on one node; its stdout. */
  cli(port: number, ...args: string[]): string;
  /** The master currently serving `key`'s slot. */
  masterOf(key: string): ClusterNode;
  /** SIGKILLs one node. */
  kill(node: ClusterNode): Promise<void>;
  /** Waits until every live node reports cluster_state:ok. */
  waitOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port p with p and p + 10000 free (the node's client and bus ports). */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const p = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(p) || taken.has(p + 10_000)) continue;
    if ((await portFree(p)) && (await portFree(p + 10_000))) {
      taken.add(p);
      taken.add(p + 10_000);
      return p;
    }
  }
}

export async function startRedisCluster(masters = 3, replicasPerMaster = 1): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-cluster-'));
  const taken = new Set<number>();
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < masters * (1 + replicasPerMaster); i++) {
    const port = await clusterPort(taken);
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        // Short, so a failover in the test takes seconds (production keeps the 15 s default or so).
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    nodes.push({ port, proc, addr: `127.0.0.1:${port}` });
  }
  const cli = (port: number, ...args: string[]) => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  for (const n of nodes)
    await waitFor(`redis node ${n.port}`, () => cli(n.port, 'ping').trim() === 'PONG', {
      timeoutMs: 10_000,
      intervalMs: 50,
      ignoreErrors: true,
    });
  const create = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((n) => n.addr),
      '--cluster-replicas',
      String(replicasPerMaster),
      '--cluster-yes',
    ],
    { encoding: 'utf8' },
  );
  if (create.status !== 0)
    throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);

  const alive = () => nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null);
  const handle: RedisClusterHandle = {
    nodes,
    seeds: nodes.map((n) => n.addr).join(','),
    cli,
    masterOf(key) {
      for (const n of alive()) {
        // CLUSTER SLOTS would do too; CLUSTER NODES names the master of each slot range.
        const slot = Number(cli(n.port, 'cluster', 'keyslot', key).trim());
        for (const line of cli(n.port, 'cluster', 'nodes').split('\n')) {
          const f = line.split(' ');
          if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
          const port = Number(f[1]!.split('@')[0]!.split(':')[1]);
          for (const range of f.slice(8)) {
            const [a, b] = range.split('-').map(Number);
            if (slot >= a! && slot <= (b ?? a)!) {
              const node = nodes.find((x) => x.port === port);
              if (node) return node;
            }
          }
        }
      }
      throw new Error(`no master serves ${key}`);
    },
    async kill(node) {
      if (node.proc.exitCode === null && node.proc.signalCode === null) {
        const gone = once(node.proc, 'exit');
        node.proc.kill('SIGKILL');
        await gone;
      }
    },
    async waitOk(timeoutMs = 30_000) {
      await waitFor(
        'cluster_state:ok on every live node',
        () => alive().every((n) => /cluster_state:ok/.test(cli(n.port, 'cluster', 'info'))),
        { timeoutMs: timeoutMs, ignoreErrors: true },
      );
    },
    async stop() {
      for (const n of nodes) await handle.kill(n);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.waitOk();
  // Replicas attached to their masters (the failover test needs one for the master it kills).
  await waitFor(
    'replicas attached',
    () =>
      cli(nodes[0]!.port, 'cluster', 'nodes')
        .split('\n')
        .filter((l) => l.includes('slave') && !l.includes('fail')).length ===
      masters * replicasPerMaster,
    { timeoutMs: 20_000, ignoreErrors: true },
  );
  return handle;
}
