import { formatIp, ipFromBigInt, parseIp, parseIpRange, type IpRange } from '@beacon/schema';
import { RangeIndexBuilder } from '../src/network/range-index.js';

type RangeInput = IpRange & { value: string };

function r(text: string, value: string): RangeInput {
  return { ...parseIpRange(text), value };
}

/** The index of `inputs`, looked up by text as the company store does (values: the inputs' `value`). */
function indexOf(inputs: readonly RangeInput[]) {
  const b = new RangeIndexBuilder();
  inputs.forEach((x, i) => b.add(x, i));
  const idx = b.build();
  return {
    size: idx.size,
    lookup(text: string): string | null {
      const ip = parseIp(text);
      return ip ? (inputs[idx.find(ip)]?.value ?? null) : null;
    },
  };
}

describe('RangeIndex', () => {
  const index = indexOf([
    r('10.0.0.0/8', 'big'),
    r('10.1.2.0/24', 'office'),
    r('10.1.2.128/28', 'desk'),
    r('0.0.0.0-0.0.0.9', 'bottom'),
    r('255.255.255.250-255.255.255.255', 'top'),
    r('192.0.2.0-192.0.2.100', 'a'),
    r('192.0.2.50-192.0.2.200', 'b'), // partial overlap: narrower ('a' 101 vs 'b' 151 addresses) wins where both
    r('2001:db8::/32', 'v6-big'),
    r('2001:db8:1::/48', 'v6-office'),
    r('::-::ff', 'v6-bottom'),
    r('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120', 'v6-top'),
  ]);

  it.each([
    ['9.255.255.255', null],
    ['10.0.0.0', 'big'],
    ['10.1.1.255', 'big'],
    ['10.1.2.0', 'office'],
    ['10.1.2.127', 'office'],
    ['10.1.2.128', 'desk'],
    ['10.1.2.143', 'desk'],
    ['10.1.2.144', 'office'],
    ['10.1.2.255', 'office'],
    ['10.1.3.0', 'big'],
    ['10.255.255.255', 'big'],
    ['11.0.0.0', null],
    ['0.0.0.0', 'bottom'],
    ['0.0.0.9', 'bottom'],
    ['0.0.0.10', null],
    ['255.255.255.249', null],
    ['255.255.255.250', 'top'],
    ['255.255.255.255', 'top'],
    ['192.0.2.49', 'a'],
    ['192.0.2.50', 'a'],
    ['192.0.2.100', 'a'],
    ['192.0.2.101', 'b'],
    ['192.0.2.200', 'b'],
    ['192.0.2.201', null],
    ['::ffff:10.1.2.130', 'desk'],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', null],
    ['2001:db8::', 'v6-big'],
    ['2001:db8:0:ffff:ffff:ffff:ffff:ffff', 'v6-big'],
    ['2001:db8:1::', 'v6-office'],
    ['2001:db8:1:ffff:ffff:ffff:ffff:ffff', 'v6-office'],
    ['2001:db8:2::', 'v6-big'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'v6-big'],
    ['2001:db9::', null],
    ['::', 'v6-bottom'],
    ['::ff', 'v6-bottom'],
    ['::100', null],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'v6-top'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff', null],
    ['not-an-ip', null],
    ['', null],
  ])('%s -> %s', (ip, value) => {
    expect(index.lookup(ip)).toBe(value);
  });

  it('equal ranges: the first one given wins; an empty index finds nothing', () => {
    const i = indexOf([r('1.2.3.0/24', 'first'), r('1.2.3.0/24', 'second')]);
    expect(i.lookup('1.2.3.4')).toBe('first');
    expect(indexOf([]).lookup('1.2.3.4')).toBeNull();
  });

  it('agrees with a linear scan on random nested and overlapping ranges', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const inputs: RangeInput[] = [];
    for (let k = 0; k < 300; k++) {
      const start = BigInt(rnd(100_000));
      inputs.push({ family: 4, start, end: start + BigInt(rnd(5_000)), value: `r${k}` });
    }
    const idx = indexOf(inputs);
    for (let q = 0; q < 3000; q++) {
      const ip = BigInt(rnd(110_000));
      let best: RangeInput | null = null;
      for (const x of inputs) {
        if (x.start <= ip && ip <= x.end && (!best || x.end - x.start < best.end - best.start)) best = x;
      }
      expect(idx.lookup(formatIp(ipFromBigInt(4, ip)))).toBe(best?.value ?? null);
    }
  });
});

describe('RangeIndex as a membership set (network lists)', () => {
  it('finds IPv4 and IPv6 members and merges overlapping and touching ranges', () => {
    const b = new RangeIndexBuilder();
    for (const c of [
      '10.0.0.0/8',
      '10.1.0.0/16',
      '192.0.2.0/25',
      '192.0.2.128/25',
      '2001:db8::/32',
      '2001:db8:1::/48',
      '::ffff:198.51.100.0/120',
    ])
      b.add(parseIpRange(c));
    const idx = b.build();
    expect(idx.size).toBe(4); // 10/8 (holding 10.1/16), 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
    const has = (ip: string) => idx.has(parseIp(ip)!);
    expect([
      has('10.200.1.1'),
      has('11.0.0.0'),
      has('192.0.2.255'),
      has('192.0.3.0'),
      has('198.51.100.7'),
    ]).toEqual([true, false, true, false, true]);
    expect([has('2001:db8:ffff::1'), has('2001:db9::'), has('::1')]).toEqual([true, false, false]);
  });

  it('agrees with a linear scan on random IPv6 ranges (narrowest wins)', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const base = 0x20010db8n << 96n;
    const inputs: RangeInput[] = [];
    for (let k = 0; k < 200; k++) {
      const start = base + (BigInt(rnd(100_000)) << 64n);
      inputs.push({ family: 6, start, end: start + (BigInt(rnd(5_000)) << 64n) + 0xffffn, value: `r${k}` });
    }
    const idx = indexOf(inputs);
    for (let q = 0; q < 2000; q++) {
      const ip = base + (BigInt(rnd(110_000)) << 64n) + BigInt(rnd(0x20000));
      let best: RangeInput | null = null;
      for (const x of inputs) {
        if (x.start <= ip && ip <= x.end && (!best || x.end - x.start < best.end - best.start)) best = x;
      }
      expect(idx.lookup(formatIp(ipFromBigInt(6, ip)))).toBe(best?.value ?? null);
    }
  });
});
