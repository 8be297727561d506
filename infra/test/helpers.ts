import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const infraDir = fileURLToPath(new URL('../', import.meta.url));

export function read(rel: string): string {
  return readFileSync(`${repoRoot}${rel}`, 'utf8');
}

/** Every document of a YAML file; throws on any syntax error or duplicate key (merge keys allowed). */
export function yamlDocs(rel: string): unknown[] {
  const docs = parseAllDocuments(read(rel), { merge: true, uniqueKeys: true });
  const out: unknown[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    if (d.errors.length > 0) throw new Error(`${rel}: ${d.errors.map((e) => e.message).join('; ')}`);
    const v = d.toJS({ maxAliasCount: 100 });
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

export function yamlDoc<T = Record<string, unknown>>(rel: string): T {
  const docs = yamlDocs(rel);
  if (docs.length !== 1) throw new Error(`${rel}: expected one YAML document, found ${docs.length}`);
  return docs[0] as T;
}

/** Files under a directory of the repository (relative paths), recursively. */
export function filesUnder(rel: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(`${repoRoot}${dir}`)) {
      if (name === 'node_modules') continue;
      const p = `${dir}/${name}`;
      if (statSync(`${repoRoot}${p}`).isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(p);
    }
  };
  walk(rel.replace(/\/$/, ''));
  return out.sort();
}

interface CatalogueMetric {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  labels: string[];
}
export interface Catalogue {
  metrics: CatalogueMetric[];
  nodeDefaults: { names: string[] };
  external: { names: string[] };
}

export function catalogue(): Catalogue {
  return JSON.parse(read('infra/metrics-catalogue.json')) as Catalogue;
}

/** Series names a query may use: histograms by their _bucket/_sum/_count series. */
export function knownSeries(c: Catalogue): Map<string, CatalogueMetric | undefined> {
  const known = new Map<string, CatalogueMetric | undefined>();
  for (const m of c.metrics) {
    if (m.type === 'histogram' || m.type === 'summary')
      for (const s of ['_bucket', '_sum', '_count']) known.set(m.name + s, m);
    if (m.type !== 'histogram') known.set(m.name, m);
  }
  for (const n of [...c.nodeDefaults.names, ...c.external.names]) known.set(n, undefined);
  return known;
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names and label matchers a PromQL expression uses. Small and strict on purpose: it
 * strips strings, label matchers, grouping clauses, ranges and Grafana variables, then every
 * identifier that is not a function call or a keyword is a metric name.
 */
export function promqlSelectors(expr: string): { metric: string; labels: string[] }[] {
  let e = expr.replace(/\$__\w+|\$\w+/g, '1m');
  // Label matchers first, remembered per metric.
  const selectors: { metric: string; labels: string[] }[] = [];
  e = e.replace(
    /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g,
    (_m, metric: string | undefined, body: string) => {
      const labels = [...body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((x) => x[1]!);
      if (metric) selectors.push({ metric, labels });
      return metric ? ` ${metric} ` : ' ';
    },
  );
  e = e.replace(/"(?:[^"\\]|\\.)*"/g, ' ');
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  e = e.replace(/\[[^\]]*\]/g, ' ');
  const seen = new Set(selectors.map((s) => s.metric));
  for (const m of e.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, ident, call] = m;
    if (call || PROMQL_WORDS.has(ident!.toLowerCase()) || /^\d/.test(ident!)) continue;
    if (!seen.has(ident!)) {
      seen.add(ident!);
      selectors.push({ metric: ident!, labels: [] });
    }
  }
  return selectors;
}

/** Label names of a selector that the catalogue does not list for that metric (service, le, job, instance always exist). */
export function unknownLabels(sel: { metric: string; labels: string[] }, c: Catalogue): string[] {
  const m = knownSeries(c).get(sel.metric);
  if (!m) return [];
  const allowed = new Set([
    ...m.labels,
    'service',
    'job',
    'instance',
    ...(sel.metric.endsWith('_bucket') ? ['le'] : []),
  ]);
  return sel.labels.filter((l) => !allowed.has(l));
}

/** prom-client metrics declared in a TypeScript source: `new Counter({ name: 'beacon_...', labelNames: [...] })`. */
export function declaredMetrics(source: string): { name: string; type: string; labels: string[] }[] {
  const out: { name: string; type: string; labels: string[] }[] = [];
  for (const m of source.matchAll(
    /new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: '(beacon_[a-z0-9_]+)'([\s\S]*?)\}\)/g,
  )) {
    const labels = /labelNames: \[([^\]]*)\]/.exec(m[3]!);
    out.push({
      name: m[2]!,
      type: m[1]!.toLowerCase(),
      labels: labels ? [...labels[1]!.matchAll(/'([a-z_]+)'/g)].map((x) => x[1]!) : [],
    });
  }
  return out;
}
