import { canonicalIp, formatIp, ipFromBigInt, ipToBigInt, maxIp, parseIp, parseIpRange } from '../src/ip.js';

/** The integer value of an address text, for the table below. */
const value = (text: string) => {
  const p = parseIp(text);
  return p ? { family: p.v, value: ipToBigInt(p) } : null;
};

/** Address texts and the integer each parses to, by family (an IPv4-mapped IPv6 address is IPv4). */
const PARSED: [4 | 6, [string, bigint][]][] = [
  [
    4,
    [
      ['0.0.0.0', 0n],
      ['255.255.255.255', 4294967295n],
      ['192.0.2.1', 3221225985n],
      ['::ffff:192.0.2.1', 3221225985n],
    ],
  ],
  [
    6,
    [
      ['::', 0n],
      ['::1', 1n],
      ['2001:db8::1', 0x20010db8000000000000000000000001n],
      ['2001:DB8::1', 0x20010db8000000000000000000000001n],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', maxIp(6)],
      ['64:ff9b::192.0.2.1', 0x0064ff9b0000000000000000c0000201n],
      ['1:2:3:4:5:6:1.2.3.4', 0x00010002000300040005000601020304n],
      ['1:2:3:4:5:6:7::', 0x00010002000300040005000600070000n],
      ['0001:2::3', 0x00010002000000000000000000000003n],
      ['fe80::1%eth0', 0xfe800000000000000000000000000001n],
    ],
  ],
];

describe('parseIp', () => {
  it.each(PARSED.flatMap(([family, rows]) => rows.map(([text, v]) => [text, family, v] as const)))(
    '%s',
    (text, family, v) => {
      expect(value(text)).toEqual({ family, value: v });
    },
  );

  // Leading zeros in a dotted part: inet_aton reads 010 as octal 8, inet_pton refuses; we refuse.
  it.each([
    '',
    '1.2.3',
    '1.2.3.256',
    '01.2.3.4',
    '1.2.3.04',
    '00.0.0.0',
    '::ffff:01.2.3.4',
    '1.2.3.4.5',
    '1..2.3',
    ' 1.2.3.4',
    '1::2::3',
    '00001::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    'abc',
    '1.2.3.4/24',
    '1.2.3.4:80',
  ])('refuses %j', (t) => {
    expect(parseIp(t)).toBeNull();
  });

  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8:0:0:1::1', '2001:db8::1:0:0:1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['2001:DB8:0000::0001', '2001:db8::1'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('formats %s as %s', (t, out) => {
    expect(formatIp(parseIp(t)!)).toBe(out);
    expect(canonicalIp(` ${t} `)).toBe(out);
  });

  it('round-trips through BigInt', () => {
    for (const t of [
      '0.0.0.0',
      '255.255.255.255',
      '2001:db8::ff:1',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]) {
      const p = parseIp(t)!;
      expect(formatIp(ipFromBigInt(p.v, ipToBigInt(p)))).toBe(t);
    }
  });
});

describe('parseIpRange', () => {
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
    '010.0.0.0/8',
    'fe80::%eth0/64',
    'nope',
    '',
  ])('refuses range %j', (t) => {
    expect(() => parseIpRange(t)).toThrow(/./);
  });
});
