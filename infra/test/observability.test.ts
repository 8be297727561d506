import { createRegistry } from '@beacon/observability';
import { existsSync } from 'node:fs';
import {
  catalogue,
  declaredMetrics,
  filesUnder,
  knownSeries,
  promqlSelectors,
  read,
  repoRoot,
  unknownLabels,
  yamlDoc,
} from './helpers.js';

// Real: the checked-in catalogue, dashboard, alert rules and scrape config; prom-client's default
// metrics from packages/observability's createRegistry.
const cat = catalogue();
const known = knownSeries(cat);

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(read('infra/grafana/dashboards/beacon.json')) as {
  uid: string;
  panels: Panel[];
};
const rules = yamlDoc<{
  groups: { rules: { alert: string; expr: string; labels: { severity: string } }[] }[];
}>('infra/prometheus/alerts.yml').groups.flatMap((g) => g.rules);

const BRIEF_NAMES = [
  'beacon_http_request_duration_seconds',
  'beacon_queue_jobs',
  'beacon_collector_hits_total',
  'beacon_collector_rejected_total',
  'beacon_collector_job_hits',
  'beacon_collector_enqueue_duration_seconds',
  'beacon_collector_unavailable_total',
  'beacon_enricher_events_total',
  'beacon_enricher_dropped_total',
  'beacon_enricher_step_duration_seconds',
  'beacon_enricher_cache_total',
  'beacon_writer_rows_total',
  'beacon_writer_conflicts_total',
  'beacon_writer_batches_total',
  'beacon_writer_batch_rows',
  'beacon_writer_batch_duration_seconds',
  'beacon_writer_dead_letters_total',
  'beacon_writer_jobs_retried_total',
  'beacon_writer_session_conflicts_total',
  'beacon_writer_freshness_seconds',
  'beacon_api_query_duration_seconds',
  'beacon_api_auth_failures_total',
];

describe('metrics catalogue', () => {
  it('holds every name of the shared catalogue once (add, never rename)', () => {
    const names = cat.metrics.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(BRIEF_NAMES));
    for (const m of cat.metrics) {
      expect(m.name).toMatch(/^beacon_[a-z0-9_]+$/);
      if (m.type === 'counter') expect(m.name).toMatch(/_total$/);
    }
  });

  it('reads metric declarations from TypeScript sources', () => {
    const src = `const a = new Counter({
      name: 'beacon_x_total', help: 'h', labelNames: ['reason', 'site'] as const, registers: [r] });
      new Histogram({ name: 'beacon_y_seconds', help: 'h', buckets: [1] })`;
    expect(declaredMetrics(src)).toEqual([
      { name: 'beacon_x_total', type: 'counter', labels: ['reason', 'site'] },
      { name: 'beacon_y_seconds', type: 'histogram', labels: [] },
    ]);
  });

  it('lists every beacon_ metric the packages and services declare, with its type and labels', () => {
    // On a branch without services/ this sees only packages/; after the merge it sees every service.
    const dirs = ['packages', 'services'].filter((d) => existsSync(`${repoRoot}${d}`));
    const declared = dirs
      .flatMap((d) => filesUnder(d, ['.ts']))
      .filter((f) => /\/src\//.test(f) && !f.endsWith('.d.ts'))
      .flatMap((f) => declaredMetrics(read(f)).map((m) => ({ ...m, file: f })));
    const byName = new Map(cat.metrics.map((m) => [m.name, m]));
    for (const m of declared) {
      const c = byName.get(m.name);
      expect({ metric: m.name, file: m.file, catalogued: c !== undefined }).toEqual({
        metric: m.name,
        file: m.file,
        catalogued: true,
      });
      expect({ metric: m.name, type: m.type, labels: [...m.labels].sort() }).toEqual({
        metric: m.name,
        type: c!.type,
        labels: [...c!.labels].sort(),
      });
    }
  });

  it('lists only Node default metrics that createRegistry really exports', async () => {
    const registry = createRegistry('catalogue-test');
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    for (const n of cat.nodeDefaults.names)
      expect({ n, exported: exported.has(n) }).toEqual({ n, exported: true });
  });
});

describe('Grafana dashboard', () => {
  const targets = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );

  it('uses only metric names and labels from the catalogue', () => {
    expect(targets.length).toBeGreaterThan(20);
    for (const t of targets) {
      const sels = promqlSelectors(t.expr);
      expect(sels.length).toBeGreaterThan(0);
      for (const s of sels) {
        expect({ panel: t.panel, metric: s.metric, known: known.has(s.metric) }).toEqual({
          panel: t.panel,
          metric: s.metric,
          known: true,
        });
        expect({ panel: t.panel, metric: s.metric, unknownLabels: unknownLabels(s, cat) }).toEqual({
          panel: t.panel,
          metric: s.metric,
          unknownLabels: [],
        });
      }
    }
  });

  it('has the panels operators asked for, on the provisioned datasource', () => {
    const used = new Set(
      targets.flatMap((t) =>
        promqlSelectors(t.expr).map((s) => s.metric.replace(/_(bucket|sum|count)$/, '')),
      ),
    );
    for (const m of [
      'beacon_collector_hits_total', // ingest rate
      'beacon_collector_rejected_total', // rejects by reason
      'beacon_queue_jobs', // queue depths
      'beacon_writer_batch_rows', // batch sizes
      'beacon_writer_batch_duration_seconds', // write latency
      'beacon_writer_freshness_seconds', // freshness
      'beacon_writer_dead_letters_total', // dead letters
      'beacon_enricher_dropped_total', // enricher drops
      'beacon_api_query_duration_seconds', // API latency
    ])
      expect({ m, used: used.has(m) }).toEqual({ m, used: true });
    const ds = yamlDoc<{ datasources: { uid: string }[] }>(
      'infra/grafana/provisioning/datasources/prometheus.yml',
    );
    const uids = new Set(ds.datasources.map((d) => d.uid));
    for (const p of dashboard.panels.filter((x) => x.type !== 'row'))
      expect(uids.has(p.datasource!.uid)).toBe(true);
  });
});

describe('Prometheus', () => {
  it('alert rules use only catalogue names and cover the agreed alerts', () => {
    for (const r of rules)
      for (const s of promqlSelectors(r.expr)) {
        expect({ alert: r.alert, metric: s.metric, known: known.has(s.metric) }).toEqual({
          alert: r.alert,
          metric: s.metric,
          known: true,
        });
        expect(unknownLabels(s, cat)).toEqual([]);
      }
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'BeaconServiceDown',
        'BeaconQueueGrowing',
        'BeaconRejectsRising',
        'BeaconDeadLetters',
        'BeaconFreshnessSlow',
        'BeaconRedisMemoryHigh',
      ]),
    );
    expect(rules.find((r) => r.alert === 'BeaconFreshnessSlow')!.expr).toMatch(
      /histogram_quantile\(0\.95,[\s\S]*> 5\s*$/,
    );
    for (const r of rules) expect(['warning', 'critical']).toContain(r.labels.severity);
  });

  it('every alert is explained in docs/operations.md', () => {
    const doc = read('docs/operations.md');
    for (const r of rules)
      expect({ alert: r.alert, documented: doc.includes(`\`${r.alert}\``) }).toEqual({
        alert: r.alert,
        documented: true,
      });
  });

  it('scrapes all four services on their default metrics ports (ops ports for collector and api), and loads the rules', async () => {
    const { parseConfig } = await import('@beacon/config');
    const d = parseConfig({});
    const prom = yamlDoc<{
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; port: number }[];
        static_configs?: { targets: string[] }[];
      }[];
    }>('infra/prometheus/prometheus.yml');
    const target = (job: string) => {
      const j = prom.scrape_configs.find((s) => s.job_name === job)!;
      return `${j.dns_sd_configs![0]!.names[0]}:${j.dns_sd_configs![0]!.port}`;
    };
    // The collector and the API serve /metrics only on their internal ops ports.
    expect(target('beacon-collector')).toBe(`collector:${d.collector.opsPort}`);
    expect(target('beacon-enricher')).toBe(`enricher:${d.enricher.metricsPort}`);
    expect(target('beacon-writer')).toBe(`writer:${d.writer.metricsPort}`);
    expect(target('beacon-api')).toBe(`api:${d.api.opsPort}`);
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    // BeaconServiceDown matches these job names.
    for (const j of prom.scrape_configs.filter((s) => s.job_name.startsWith('beacon')))
      expect(j.job_name).toMatch(/^beacon-.*$/);
  });
});
