import UAParser from 'ua-parser-js';
import { createDeviceParser, parseDevice } from '../src/device.js';
import { fixtureJson } from '@beacon/testkit';

// Real: ua-parser-js 1.0.41, isbot, structured-headers. Fixtures (packages/testkit/fixtures): ua-parser-js
// 1.0.41's own test JSON (exact expected output), isbot's crawler sample, a seeded sample of 1,000 of
// intoli's 10,000 weighted real UAs (all 23 tablets among them).

type Case = { desc: string; ua: string; expect: Record<string, string | undefined> };
const und = (v: string | undefined) => (v === undefined || v === 'undefined' ? null : v);
const parser = new UAParser();
const noHints = {};

describe('device type from ua-parser-js 1.0.41 device tests', () => {
  const cases = fixtureJson<Case[]>('user-agents/ua-parser-js-1.0.41/device-test.json');
  const pick = (pred: (c: Case) => boolean, n = 6) => cases.filter(pred).slice(0, n);
  const table = [
    ...pick((c) => c.desc.startsWith('iPhone')),
    ...pick((c) => c.desc.startsWith('iPad')),
    ...pick((c) => c.expect.type === 'mobile' && /Android/.test(c.ua)),
    ...pick((c) => c.expect.type === 'tablet' && /Android/.test(c.ua)),
    ...pick((c) => c.expect.type === 'smarttv'),
    ...pick((c) => c.expect.type === 'console', 3),
    ...pick((c) => c.expect.type === 'wearable', 3),
    ...pick((c) => c.expect.type === 'embedded', 2),
  ];
  it.each(table.map((c) => [c.desc, c] as const))('%s', (_d, c) => {
    const d = parseDevice(parser, c.ua, noHints);
    // Smart TVs, consoles, wearables and embedded devices keep ua-parser's name (see src/device.ts).
    expect(d.deviceType).toBe(und(c.expect.type) ?? 'desktop');
    expect(d.deviceBrand).toBe(und(c.expect.vendor));
    expect(d.deviceModel).toBe(und(c.expect.model));
  });

  it('agrees with every typed case of the file', () => {
    const wrong = cases.filter(
      (c) => parseDevice(parser, c.ua, noHints).deviceType !== (und(c.expect.type) ?? 'desktop'),
    );
    expect(wrong.map((c) => c.desc)).toEqual([]);
  });
});

describe('browser and OS from ua-parser-js 1.0.41 tests', () => {
  const browsers = fixtureJson<Case[]>('user-agents/ua-parser-js-1.0.41/browser-test.json');
  const oses = fixtureJson<Case[]>('user-agents/ua-parser-js-1.0.41/os-test.json');
  it.each(browsers.filter((c) => (c.expect.version ?? '').length <= 20).map((c) => [c.desc, c] as const))(
    'browser %s',
    (_d, c) => {
      const d = parseDevice(parser, c.ua, noHints);
      expect(d.browser).toBe(und(c.expect.name));
      expect(d.browserVersion).toBe(und(c.expect.version));
    },
  );
  it.each(oses.map((c) => [c.desc, c] as const))('os %s', (_d, c) => {
    const d = parseDevice(parser, c.ua, noHints);
    expect(d.os).toBe(und(c.expect.name));
    // os_version is VARCHAR(20): longer versions are cut to the column
    expect(d.osVersion).toBe(und(c.expect.version)?.slice(0, 20) ?? null);
  });
});

describe('desktop and real traffic', () => {
  it.each([
    [
      'Chrome on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      { browser: 'Chrome', os: 'Windows', osVersion: '10', deviceType: 'desktop', deviceBrand: null },
    ],
    [
      'Safari on macOS',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
      {
        browser: 'Safari',
        browserVersion: '17.1',
        os: 'Mac OS',
        deviceType: 'desktop',
        deviceBrand: 'Apple',
        deviceModel: 'Macintosh',
      },
    ],
    [
      'Firefox on Linux',
      'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
      { browser: 'Firefox', browserVersion: '121.0', os: 'Linux', deviceType: 'desktop' },
    ],
  ])('%s', (_d, ua, expected) => {
    expect(parseDevice(parser, ua, noHints)).toMatchObject({ ...expected, isBotUa: false });
  });

  it('matches the deviceCategory of the 1,000 sampled intoli UAs and flags none as a bot', () => {
    const uas = fixtureJson<{ userAgent: string; deviceCategory: string }[]>(
      'user-agents/intoli/user-agents-sample.json',
    );
    expect(new Set(uas.map((u) => u.deviceCategory))).toEqual(new Set(['mobile', 'tablet', 'desktop']));
    const p = createDeviceParser(20_000);
    const wrong = uas.filter((u) => {
      const d = p.parse(u.userAgent, noHints);
      return d.deviceType !== u.deviceCategory || d.isBotUa;
    });
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});

describe('bots', () => {
  const bots = fixtureJson<{ ua: string; name: string }[]>('user-agents/isbot/bots-sample.json');
  it.each(bots.slice(0, 40).map((b) => [b.name, b.ua] as const))('%s is a bot', (_n, ua) => {
    expect(parseDevice(parser, ua, noHints).isBotUa).toBe(true);
  });
  it('flags all 100 sampled crawlers', () => {
    expect(bots.filter((b) => !parseDevice(parser, b.ua, noHints).isBotUa).map((b) => b.ua)).toEqual([]);
  });
});

describe('client hints', () => {
  const reducedAndroid =
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
  const fullList =
    '"Not_A Brand";v="8.0.0.0", "Chromium";v="120.0.6099.144", "Google Chrome";v="120.0.6099.144"';

  it('gives the real model, Android version and full Chrome version on a reduced UA', () => {
    const d = parseDevice(parser, reducedAndroid, {
      'sec-ch-ua-mobile': '?1',
      'sec-ch-ua-platform': '"Android"',
      'sec-ch-ua-platform-version': '"14.0.0"',
      'sec-ch-ua-model': '"Pixel 7"',
      'sec-ch-ua-full-version-list': fullList,
    });
    expect(d).toMatchObject({
      browser: 'Chrome',
      browserVersion: '120.0.6099.144',
      os: 'Android',
      osVersion: '14',
      deviceType: 'mobile',
      deviceModel: 'Pixel 7',
    });
  });

  it('tells Windows 11 from Windows 10 by Sec-CH-UA-Platform-Version', () => {
    const ua =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0';
    const edgeList =
      '"Not_A Brand";v="8.0.0.0", "Chromium";v="120.0.6099.130", "Microsoft Edge";v="120.0.2210.91"';
    const w11 = parseDevice(parser, ua, {
      'sec-ch-ua-platform': '"Windows"',
      'sec-ch-ua-platform-version': '"15.0.0"',
      'sec-ch-ua-full-version-list': edgeList,
    });
    const w10 = parseDevice(parser, ua, {
      'sec-ch-ua-platform': '"Windows"',
      'sec-ch-ua-platform-version': '"10.0.0"',
    });
    expect(w11).toMatchObject({
      browser: 'Edge',
      browserVersion: '120.0.2210.91',
      os: 'Windows',
      osVersion: '11',
      deviceType: 'desktop',
    });
    expect(w10).toMatchObject({ os: 'Windows', osVersion: '10', browserVersion: '120.0.0.0' });
  });

  it('ignores malformed hint headers and keeps the UA answer', () => {
    const d = parseDevice(parser, reducedAndroid, {
      'sec-ch-ua-model': 'Pixel 7 (not a string item',
      'sec-ch-ua-full-version-list': '"Google Chrome";v=',
      'sec-ch-ua-mobile': 'yes',
    });
    expect(d).toMatchObject({ browserVersion: '120.0.0.0', deviceModel: 'K', deviceType: 'mobile' });
  });

  it('caches by UA and hints', () => {
    const p = createDeviceParser(10);
    const a = p.parse(reducedAndroid, { 'sec-ch-ua-model': '"Pixel 7"' });
    const b = p.parse(reducedAndroid, { 'sec-ch-ua-model': '"Pixel 7"' });
    const c = p.parse(reducedAndroid, { 'sec-ch-ua-model': '"Pixel 8"' });
    expect(b).toBe(a);
    expect(c.deviceModel).toBe('Pixel 8');
    expect(p.stats).toEqual({ hits: 1, misses: 2 });
  });

  it('a missing UA is a desktop with nothing known (the bot step decides about it)', () => {
    expect(parseDevice(parser, null, noHints)).toMatchObject({
      browser: null,
      os: null,
      deviceType: 'desktop',
      isBotUa: false,
    });
  });
});
