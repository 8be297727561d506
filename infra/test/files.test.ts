import { filesUnder, promqlSelectors, read, yamlDocs } from './helpers.js';

// Real: the checked-in files, parsed by the `yaml` package and JSON.parse. No Docker engine here.
describe('infra files parse', () => {
  const yamlFiles = ['docker-compose.yml', ...filesUnder('infra', ['.yml', '.yaml'])];
  const jsonFiles = filesUnder('infra', ['.json']);

  it('finds the files it lints', () => {
    expect(yamlFiles).toEqual(
      expect.arrayContaining([
        'docker-compose.yml',
        'infra/prometheus/prometheus.yml',
        'infra/prometheus/alerts.yml',
        'infra/grafana/provisioning/datasources/prometheus.yml',
        'infra/k8s/base/kustomization.yaml',
      ]),
    );
    expect(jsonFiles).toEqual(
      expect.arrayContaining(['infra/grafana/dashboards/beacon.json', 'infra/metrics-catalogue.json']),
    );
  });

  it.each(yamlFiles)('%s is valid YAML without duplicate keys', (f) => {
    expect(yamlDocs(f).length).toBeGreaterThan(0);
  });

  it.each(jsonFiles)('%s is valid JSON', (f) => {
    expect(() => JSON.parse(read(f))).not.toThrow();
  });

  it('the YAML check catches a duplicate key and the PromQL reader finds names', () => {
    // The helpers must be able to fail, or the checks above prove nothing.
    expect(
      promqlSelectors(
        'sum by (le) (rate(a_bucket{x="1", y=~"z"}[$__rate_interval])) / ignoring(q) b > 0.5 and up',
      ),
    ).toEqual([
      { metric: 'a_bucket', labels: ['x', 'y'] },
      { metric: 'b', labels: [] },
      { metric: 'up', labels: [] },
    ]);
  });
});

describe('Dockerfile', () => {
  const df = read('infra/Dockerfile');
  it('builds on node:24-bookworm-slim (Node 24 LTS) with pnpm from corepack and the frozen lockfile', () => {
    expect(df).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(df).toMatch(/^RUN corepack enable$/m);
    expect(df).toMatch(/pnpm install --frozen-lockfile --offline$/m);
    expect(df).toMatch(/^RUN pnpm build$/m);
    expect(df).toMatch(/pnpm install --frozen-lockfile --offline --prod/);
  });

  it('runs as a non-root user, chooses the service by command, and has a HEALTHCHECK', () => {
    const runtime = df.slice(df.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "\/app\/services\/cli\/dist\/main\.js"\]$/m);
    expect(runtime).toMatch(
      /^HEALTHCHECK .*\n\s+CMD \["node", "\/app\/services\/cli\/dist\/main\.js", "healthcheck"\]$/m,
    );
    expect(runtime).toMatch(/^COPY --from=build .*\/src\/LICENSE \/src\/NOTICE .*\.\/$/m);
    // Runtime stage has no compiler and no pnpm store.
    expect(runtime).not.toMatch(/corepack|pnpm install|tsc/);
  });

  it('the build context leaves out node_modules, build output and .env', () => {
    const ignore = read('.dockerignore').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.env', '.git']));
  });
});
