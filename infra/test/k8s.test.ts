import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Queue } from 'bullmq';
import { ConfigError, parseConfig } from '@beacon/config';
import { createRedis, queuePrefixFor } from '@beacon/queue';
import { QUEUE_EVENTS, QUEUE_HITS } from '@beacon/schema';
import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { repoRoot, yamlDoc, yamlDocs } from './helpers.js';

// Real: the kustomize base as YAML, packages/config defaults, and (last block) BullMQ on the
// machine's Redis under a unique prefix, to check the key KEDA counts.
// Manifests are untyped YAML trees; the assertions below are the schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tree = any;
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Tree;
  data?: Tree;
};
const base = 'infra/k8s/base';
const kustomization = yamlDoc<{ resources: string[]; namespace: string }>(`${base}/kustomization.yaml`);
const objects = kustomization.resources.flatMap((r) => yamlDocs(`${base}/${r}`) as Obj[]);
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const defaults = parseConfig({});
const config = byKind('ConfigMap').find((c) => c.metadata.name === 'beacon-config')!;
// Readiness and metrics: the internal ops port (the collector and the API keep /metrics and the
// detailed /readyz off their internet-facing port); liveness: the main port.
const opsPort: Record<string, number> = {
  collector: defaults.collector.opsPort,
  api: defaults.api.opsPort,
  enricher: defaults.enricher.metricsPort,
  writer: defaults.writer.metricsPort,
};
const mainPort: Record<string, number> = {
  ...opsPort,
  collector: defaults.collector.port,
  api: defaults.api.port,
};

describe('kubernetes base', () => {
  it('lists only files that exist, and has one Deployment per service plus the migrate Job', () => {
    for (const r of kustomization.resources) expect(existsSync(`${repoRoot}${base}/${r}`)).toBe(true);
    expect(
      byKind('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['beacon-api', 'beacon-collector', 'beacon-enricher', 'beacon-writer']);
    const job = byKind('Job')[0]!;
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
  });

  it.each(Object.keys(opsPort))(
    '%s: serve command, probes on /healthz and /readyz of its port, resources, non-root',
    (svc) => {
      const d = byKind('Deployment').find((x) => x.metadata.name === `beacon-${svc}`)!;
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(c.args).toEqual(['serve', svc]);
      const port = c.ports.find((p: { name: string }) => p.name === c.readinessProbe.httpGet.port);
      expect(port.containerPort).toBe(opsPort[svc]);
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      const live = c.ports.find((p: { name: string }) => p.name === c.livenessProbe.httpGet.port);
      expect(live.containerPort).toBe(mainPort[svc]);
      // Prometheus scrapes the ops port; the Service exposes only the main port (never /metrics).
      expect(Number(d.spec.template.metadata.annotations['prometheus.io/port'])).toBe(opsPort[svc]);
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(c.envFrom.map((e: Tree) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual([
        'beacon-config',
        'beacon-secrets',
      ]);
      // The pod's own shutdown deadline plus the preStop pause fits in the grace period.
      const preStop = Number(c.lifecycle.preStop.exec.command[1]);
      expect(Number(config.data.SHUTDOWN_TIMEOUT_MS) / 1000 + preStop).toBeLessThan(
        pod.terminationGracePeriodSeconds,
      );
      // Selector, Service and PDB all select these pods.
      const labels = d.spec.template.metadata.labels;
      expect(d.spec.selector.matchLabels).toEqual(labels);
      const svcObj = byKind('Service').find((s) => s.metadata.name === `beacon-${svc}`)!;
      expect(svcObj.spec.selector).toEqual(labels);
      if (svc === 'collector' || svc === 'api')
        expect(svcObj.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
      const pdb = byKind('PodDisruptionBudget').find((p) => p.metadata.name === `beacon-${svc}`)!;
      expect(pdb.spec.selector.matchLabels).toEqual(labels);
    },
  );

  it('the secret example carries what every service needs, as placeholders Beacon refuses', () => {
    const secret = byKind('Secret').find((s) => s.metadata.name === 'beacon-secrets')!;
    const data = (secret as unknown as { stringData: Record<string, string> }).stringData;
    expect(Object.keys(data)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'API_JWT_SECRET']),
    );
    // The ConfigMap alone parses; with the example secrets every secret setting is refused by name.
    expect(() => parseConfig(config.data)).not.toThrow();
    let err: unknown;
    try {
      parseConfig({ ...config.data, ...data });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.env).sort()).toEqual([
      'API_JWT_SECRET',
      'DATABASE_URL',
      'REDIS_URL',
    ]);
    for (const p of (err as ConfigError).problems) expect(p.message).toMatch(/placeholder/);
    // ... and with real values in their place it would start (the shape is right).
    expect(() =>
      parseConfig({
        ...config.data,
        DATABASE_URL: data.DATABASE_URL!.replace('REPLACE-ME', 'a-real-password'),
        REDIS_URL: data.REDIS_URL!.replace('REPLACE-ME', 'a-real-password'),
        API_JWT_SECRET: 'f'.repeat(64),
      }),
    ).not.toThrow();
  });

  it('autoscales collector and api on CPU', () => {
    const hpas = byKind('HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['beacon-api', 'beacon-collector']);
    for (const h of hpas) {
      expect(h.apiVersion).toBe('autoscaling/v2');
      expect(h.spec.metrics[0].resource.name).toBe('cpu');
      expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
    }
  });

  it('autoscales enricher and writer with KEDA on the wait list of their queue', () => {
    const scaled = byKind('ScaledObject');
    const prefix = config.data.QUEUE_PREFIX;
    const lists = Object.fromEntries(
      scaled.map((s) => [s.spec.scaleTargetRef.name, s.spec.triggers[0].metadata.listName]),
    );
    expect(lists).toEqual({
      'beacon-enricher': `${prefix}:${QUEUE_HITS}:wait`,
      'beacon-writer': `${prefix}:${QUEUE_EVENTS}:wait`,
    });
    const auth = byKind('TriggerAuthentication').map((t) => t.metadata.name);
    for (const s of scaled) {
      expect(s.spec.triggers[0].type).toBe('redis');
      expect(auth).toContain(s.spec.triggers[0].authenticationRef.name);
    }
  });
});

describe('kubernetes overlay for Redis Cluster', () => {
  const dir = 'infra/k8s/overlays/redis-cluster';
  const k = yamlDoc<{ resources: string[]; patches: { path: string }[] }>(`${dir}/kustomization.yaml`);
  const patches = k.patches.flatMap((p) => yamlDocs(`${dir}/${p.path}`) as Obj[]);
  const added = k.resources
    .filter((r) => !r.startsWith('../'))
    .flatMap((r) => yamlDocs(`${dir}/${r}`) as Obj[]);
  const nodes = patches.find((p) => p.kind === 'ConfigMap')!.data.REDIS_CLUSTER_NODES as string;

  it('sets seed nodes the config accepts', () => {
    expect(parseConfig({ REDIS_CLUSTER_NODES: nodes }).core.redisClusterNodes.length).toBeGreaterThanOrEqual(
      3,
    );
  });

  it("points KEDA's redis-cluster scaler at each queue's wait list under its hash tag", () => {
    const core = { queuePrefix: config.data.QUEUE_PREFIX as string, redisClusterNodes: nodes.split(',') };
    const scaled = patches.filter((p) => p.kind === 'ScaledObject');
    const lists = Object.fromEntries(
      scaled.map((s) => [s.metadata.name, s.spec.triggers[0].metadata.listName]),
    );
    expect(lists).toEqual({
      'beacon-enricher': `${queuePrefixFor(core, QUEUE_HITS)}:${QUEUE_HITS}:wait`,
      'beacon-writer': `${queuePrefixFor(core, QUEUE_EVENTS)}:${QUEUE_EVENTS}:wait`,
    });
    const auth = added.filter((o) => o.kind === 'TriggerAuthentication');
    for (const s of scaled) {
      expect(s.spec.triggers[0].type).toBe('redis-cluster');
      const ref = auth.find((a) => a.metadata.name === s.spec.triggers[0].authenticationRef.name);
      expect(ref?.spec.secretTargetRef.map((t: { parameter: string }) => t.parameter)).toContain('addresses');
    }
  });
});

describe('BullMQ wait list (what KEDA counts)', () => {
  const prefix = uniquePrefix('keda');
  const connection = createRedis(REDIS_URL, 'worker');
  const queue = new Queue(QUEUE_HITS, { connection, prefix });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });

  it('keeps waiting jobs in the LIST <prefix>:<queue>:wait, also while the queue is paused', async () => {
    const key = `${prefix}:${QUEUE_HITS}:wait`;
    await queue.add('raw', { n: 1 });
    await queue.add('raw', { n: 2 });
    expect(await connection.type(key)).toBe('list');
    expect(await connection.llen(key)).toBe(2);
    await queue.pause();
    await queue.add('raw', { n: 3 });
    expect(await connection.llen(key)).toBe(3);
    expect(await queue.getWaitingCount()).toBe(3);
  });
});

describe('kustomize build', () => {
  it('builds with `kubectl kustomize` when kubectl is installed (no cluster needed)', () => {
    const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    // Without kubectl only this assertion is left out; the structural checks above ran either way.
    if (probe.status !== 0) return;
    const r = spawnSync('kubectl', ['kustomize', `${repoRoot}${base}`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const built = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    expect(built).toHaveLength(objects.length);
    for (const o of built.filter((x) => x.kind !== 'Namespace'))
      expect(o.metadata).toMatchObject({ namespace: 'beacon' });
    const deployment = built.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.containers[0].image).toMatch(
      /^ghcr\.io\/beacon-analytics\/beacon:\d+\.\d+\.\d+$/,
    );
  });
});

describe('alert rule unit tests', () => {
  it('pass `promtool test rules` when promtool is installed', () => {
    const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    // promtool is not on this build machine's PATH (it passed by hand with promtool 2.42).
    if (probe.status !== 0) return;
    const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
      cwd: `${repoRoot}infra/prometheus`,
      encoding: 'utf8',
    });
    expect(r.stdout).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
