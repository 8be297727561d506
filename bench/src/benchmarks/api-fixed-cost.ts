import { createServer } from 'node:http';
import { once } from 'node:events';
import type { Baseline } from '../baseline.js';
import { startApiProcess, stopProcess } from '../processes.js';
import { median, percentile, type Figure } from '../report.js';
import { benchToken } from '../users.js';

/**
 * The fixed cost of an authenticated request, without a stats statement: `GET /v1/me` (token and
 * session check, agency and user read) and `GET /v1/sites/:id` (token and session check, the site
 * behind the tenant wall). Beside them the floor: a bare node:http server answering `{}` to the same
 * fetch client, i.e. what HTTP on loopback costs before Beacon does anything. With BENCH_BASELINE_DIR
 * the baseline checkout's API runs on the same database and the two are asked in turn, round by round.
 */
export async function fixedCosts(o: {
  dbUrl: string;
  apiUrl: string;
  token: string;
  site: string;
  runs: number;
  base?: Baseline;
}): Promise<Figure[]> {
  const floor = await bareHttpFloor(Math.max(200, o.runs * 4));
  const figures: Figure[] = [
    { name: 'floor: bare node:http answer via fetch p50', value: round(median(floor)), unit: 'ms' },
  ];
  const other = o.base ? await startApiProcess(o.dbUrl, {}, o.base.apiMain) : undefined;
  try {
    const apis = [{ url: o.apiUrl, token: o.token }];
    if (other) apis.push({ url: other.url, token: await benchToken(other.url) });
    for (const [name, path] of [
      ['GET /v1/me', '/v1/me'],
      ['GET /v1/sites/:id', `/v1/sites/${o.site}`],
    ] as const) {
      const [mine, theirs] = await inTurn(apis, path, o.runs);
      const p50 = median(mine!);
      figures.push({ name: `fixed cost: ${name} p50`, value: round(p50), unit: 'ms' });
      figures.push({ name: `fixed cost: ${name} p95`, value: round(percentile(mine!, 95)), unit: 'ms' });
      if (theirs)
        figures.push({
          name: `fixed cost: ${name} p50, baseline checkout ${round(median(theirs))} ms`,
          value: round(p50),
          unit: 'ms',
          ratio: median(theirs) / p50,
          baseline: 'faster than the baseline checkout',
        });
    }
  } finally {
    await stopProcess(other?.child);
  }
  return figures;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Milliseconds of one authenticated GET, its answer read whole; anything but a 200 is an error. */
export async function timedGet(url: string, token: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
  return performance.now() - t0;
}

/** Rounds of 10 requests to each API in turn (the order alternating); each API's times. */
async function inTurn(apis: { url: string; token: string }[], path: string, runs: number) {
  const get = (api: { url: string; token: string }) => timedGet(api.url + path, api.token);
  for (const api of apis) for (let i = 0; i < 5; i++) await get(api); // plans, prepared statements
  const times = apis.map(() => [] as number[]);
  for (let round = 0; round * 10 < Math.max(runs, 100); round++) {
    const order = apis.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const i of order) for (let k = 0; k < 10; k++) times[i]!.push(await get(apis[i]!));
  }
  return times;
}

/** Times of `n` requests to a bare node:http server in this process. */
async function bareHttpFloor(n: number): Promise<number[]> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const times: number[] = [];
  try {
    for (let i = 0; i < n + 20; i++) {
      const t0 = performance.now();
      const r = await fetch(url, { headers: { authorization: 'Bearer x' } });
      await r.arrayBuffer();
      if (i >= 20) times.push(performance.now() - t0);
    }
  } finally {
    server.close();
  }
  return times;
}
