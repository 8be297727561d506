import { formatIp, maxIp, parseIp, parseIpRange } from '@beacon/schema';
import { RangeIndex, type RangeInput } from '../../src/attribution/range-index.js';

function r(text: string, value: string): RangeInput<string> {
  return { ...parseIpRange(text), value };
}

describe('IP parsing (packages/schema ip.ts)', () => {
  it.each([
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 4294967295n],
    ['192.0.2.1', 4, 3221225985n],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['2001:db8::1', 6, 0x20010db8000000000000000000000001n],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 6, maxIp(6)],
    ['::ffff:192.0.2.1', 4, 3221225985n],
    ['64:ff9b::192.0.2.1', 6, 0x0064ff9b0000000000000000c0000201n],
    ['1:2:3:4:5:6:1.2.3.4', 6, 0x00010002000300040005000601020304n],
  ])('%s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });
  it.each(['', '1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', 'fe80::1%eth0', 'abc', '1.2.3.4/24'])(
    'rejects %s',
    (t) => {
      expect(parseIp(t)).toBeNull();
    },
  );
  it.each([
    '2001:db8::1',
    '::',
    '::1',
    '2001:db8:0:0:1::1',
    '1:0:0:1:0:0:0:1',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  ])('formats %s back canonically', (t) => {
    const p = parseIp(t)!;
    expect(formatIp(p.family, p.value)).toBe(
      t === '2001:db8:0:0:1::1' ? '2001:db8::1:0:0:1' : t === '1:0:0:1:0:0:0:1' ? '1:0:0:1::1' : t,
    );
  });
  it('parses CIDR, start-end and single addresses', () => {
    expect(parseIpRange('10.0.0.0/8')).toEqual({ family: 4, start: 0x0a000000n, end: 0x0affffffn });
    expect(parseIpRange('0.0.0.0/0')).toEqual({ family: 4, start: 0n, end: maxIp(4) });
    expect(parseIpRange('192.0.2.7')).toEqual({ family: 4, start: 0xc0000207n, end: 0xc0000207n });
    expect(parseIpRange(' 198.51.100.10 - 198.51.100.99 ')).toEqual({
      family: 4,
      start: 0xc633640an,
      end: 0xc6336463n,
    });
    expect(parseIpRange('2001:db8::/32').end).toBe(0x20010db8ffffffffffffffffffffffffn);
    expect(parseIpRange('::/0')).toEqual({ family: 6, start: 0n, end: maxIp(6) });
    expect(parseIpRange('::ffff:10.0.0.0/104')).toEqual({ family: 4, start: 0x0a000000n, end: 0x0affffffn });
  });
  it.each([
    '10.0.0.1/8',
    '10.0.0.0/33',
    '::/129',
    '1.2.3.4-::1',
    '1.2.3.9-1.2.3.1',
    '10.0.0.0/x',
    'nope',
    '',
  ])('refuses range %s', (t) => {
    expect(() => parseIpRange(t)).toThrow(/./);
  });
});

describe('RangeIndex', () => {
  const index = new RangeIndex([
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
    const i = new RangeIndex([r('1.2.3.0/24', 'first'), r('1.2.3.0/24', 'second')]);
    expect(i.lookup('1.2.3.4')).toBe('first');
    expect(new RangeIndex<string>([]).lookup('1.2.3.4')).toBeNull();
  });

  it('agrees with a linear scan on random nested and overlapping ranges', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const inputs: RangeInput<string>[] = [];
    for (let k = 0; k < 300; k++) {
      const start = BigInt(rnd(100_000));
      inputs.push({ family: 4, start, end: start + BigInt(rnd(5_000)), value: `r${k}` });
    }
    const idx = new RangeIndex(inputs);
    for (let q = 0; q < 3000; q++) {
      const ip = BigInt(rnd(110_000));
      let best: RangeInput<string> | null = null;
      for (const x of inputs) {
        if (x.start <= ip && ip <= x.end && (!best || x.end - x.start < best.end - best.start)) best = x;
      }
      expect(idx.lookup(formatIp(4, ip))).toBe(best?.value ?? null);
    }
  });
});
