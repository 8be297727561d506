import { readFileSync } from 'node:fs';
import {
  ConfigError,
  parseConfig,
  parsers,
  parseSettings,
  renderEnvExample,
  setting,
  settings,
  trustProxyFor,
} from '@beacon/config';

describe('config', () => {
  it('gives every setting its documented default when the environment is empty', () => {
    const cfg = parseConfig({});
    expect(cfg.core.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/beacon');
    expect(cfg.core.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(cfg.core.databasePoolMax).toBe(20);
    expect(cfg.collector.port).toBe(8080);
    expect(cfg.api.port).toBe(3000);
    expect(cfg.enricher.metricsPort).toBe(9101);
    expect(cfg.writer.metricsPort).toBe(9102);
    expect(cfg.storage.retentionMonthsDefault).toBe(13);
    expect(cfg.storage.partitionMonthsAhead).toBe(3);
  });

  it('parses numbers, booleans-free lists and URLs from their text', () => {
    const cfg = parseConfig({ DATABASE_POOL_MAX: ' 7 ', COLLECTOR_PORT: '0', LOG_LEVEL: 'debug' });
    expect(cfg.core.databasePoolMax).toBe(7);
    expect(cfg.collector.port).toBe(0);
    expect(cfg.core.logLevel).toBe('debug');
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ API_PORT: '' }).api.port).toBe(3000);
  });

  it('names every wrong variable in one error', () => {
    let err: unknown;
    try {
      parseConfig({
        DATABASE_POOL_MAX: 'twenty',
        REDIS_URL: 'http://x',
        LOG_LEVEL: 'loud',
        API_PORT: '70000',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.map((p) => p.env).sort();
    expect(problems).toEqual(['API_PORT', 'DATABASE_POOL_MAX', 'LOG_LEVEL', 'REDIS_URL']);
    expect((err as Error).message).toMatch(/DATABASE_POOL_MAX: must be a whole number/);
    expect((err as Error).message).toMatch(/REDIS_URL: .*redis:\/\//);
  });

  it('names a bad variable without echoing its value (it may hold a password)', () => {
    const secret = 'S3cr3t-pa55word';
    let err: unknown;
    try {
      parseConfig({
        DATABASE_URL: `mysql://beacon:${secret}@db.example:3306/beacon`,
        REDIS_URL: `redis://:${secret}@redis.example:6379/x y`,
        API_JWT_SECRET: secret,
        COLLECTOR_TRUST_PROXY: `10.0.0.0/8,${secret}`,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect((err as ConfigError).problems.map((p) => p.env).sort()).toEqual([
      'API_JWT_SECRET',
      'COLLECTOR_TRUST_PROXY',
      'DATABASE_URL',
    ]);
    expect(message).toMatch(/DATABASE_URL: must be a URL starting with postgres:/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('db.example');
  });

  it('trusts only loopback proxies by default; collector and API each take their own list, else TRUST_PROXY', () => {
    const d = parseConfig({});
    expect(trustProxyFor(d, 'collector')).toEqual(['loopback']);
    expect(trustProxyFor(d, 'api')).toEqual(['loopback']);
    const own = parseConfig({
      TRUST_PROXY: 'loopback, 10.1.0.0/16',
      COLLECTOR_TRUST_PROXY: '203.0.113.7,2001:db8::/32',
    });
    expect(trustProxyFor(own, 'collector')).toEqual(['203.0.113.7', '2001:db8::/32']);
    expect(trustProxyFor(own, 'api')).toEqual(['loopback', '10.1.0.0/16']);
    expect(trustProxyFor(parseConfig({ API_TRUST_PROXY: 'false' }), 'api')).toBe(false);
    expect(trustProxyFor(parseConfig({ API_TRUST_PROXY: '2' }), 'api')).toBe(2);
    for (const bad of ['lopback', '10.0.0.0/33', '10.0.0.1/8/2', 'true,loopback', '*'])
      expect(() => parseConfig({ API_TRUST_PROXY: bad })).toThrow(/API_TRUST_PROXY/);
  });

  it('takes a doc template after the declaration: white space folded, values spliced in', () => {
    const unit = 'seconds';
    const s = setting('X_WAIT_S', parsers.int(1, 60), 5)`
      How long to wait,
      in ${unit}.  `;
    expect(s).toMatchObject({
      env: 'X_WAIT_S',
      default: 5,
      example: '5',
      doc: 'How long to wait, in seconds.',
    });
    expect(s.parse.parse(' 7 ')).toBe(7);
    expect(setting('X_NAMES', parsers.list(), ['a', 'b'])`Names.`.example).toBe('a,b');
  });

  it('declares each environment variable once', () => {
    const names = Object.values(settings).flatMap((g) => Object.values(g).map((s) => s.env));
    expect(new Set(names).size).toBe(names.length);
  });

  it('keeps .env.example equal to the declarations (regenerate: pnpm beacon config env-example > .env.example)', () => {
    const committed = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    expect(committed).toBe(renderEnvExample());
    for (const group of Object.values(settings))
      for (const s of Object.values(group)) expect(committed).toContain(`\n${s.env}=`);
  });
});

describe("parseSettings (the benchmarks' BENCH_* knobs)", () => {
  const knobs = {
    rows: setting('BENCH_ROWS', parsers.int(1, 1_000_000), 100, 'rows'),
    keep: setting('BENCH_KEEP_DB', parsers.bool(), false, 'keep'),
  };
  it('parses with the config parsers and takes defaults', () => {
    expect(parseSettings(knobs, {})).toEqual({ rows: 100, keep: false });
    expect(parseSettings(knobs, { BENCH_ROWS: ' 2000 ', BENCH_KEEP_DB: 'yes' })).toEqual({
      rows: 2000,
      keep: true,
    });
  });
  it('a typo fails loudly, naming the variable, instead of becoming NaN', () => {
    expect(() => parseSettings(knobs, { BENCH_ROWS: '2e6x' })).toThrow(ConfigError);
    expect(() => parseSettings(knobs, { BENCH_ROWS: '2e6x', BENCH_KEEP_DB: 'maybe' })).toThrow(
      /BENCH_ROWS: must be a whole number[\s\S]*BENCH_KEEP_DB/,
    );
  });
});
