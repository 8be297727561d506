/**
 * Device & browser: ua-parser-js 1.0.41 (MIT; 2.x is AGPL-3.0 and must not be used) on the User-Agent,
 * refined by the client-hint headers the collector forwarded (parsed as RFC 8941 structured fields
 * with `structured-headers`), behind an LRU cache keyed by UA + hints: real traffic repeats a few
 * hundred UAs, and a parse costs tens of µs while a cache hit costs well under one.
 *
 * device_type mapping (one place; README "Device type"):
 * - ua-parser leaves desktops blank            → 'desktop' (DESIGN.md "Conventions")
 * - 'mobile', 'tablet'                         → same (the seed's three values)
 * - 'smarttv', 'console', 'wearable', 'embedded', 'xr' → kept as ua-parser names them. Folding a TV or
 *   a watch into desktop/mobile would misstate the device; dashboards group anything outside the
 *   seed's three as "other". All fit VARCHAR(20).
 * - Sec-CH-UA-Mobile ?1 → 'mobile'; ?0 on Android without a UA device type → 'tablet' (Chrome on an
 *   Android tablet sends the desktop-class "?0").
 *
 * Client hints override the UA where they are more precise (Chromium's reduced UA freezes versions to
 * X.0.0.0, says "Android 10; K" and "Windows NT 10.0" for Windows 11):
 * - Sec-CH-UA-Model           → device_model
 * - Sec-CH-UA-Platform(+Version) → os / os_version (Windows platform version ≥ 13 → "11", 1–12 → "10")
 * - Sec-CH-UA-Full-Version-List → browser_version, when the brand is the browser the UA names
 */
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import { parseItem, parseList } from 'structured-headers';
import UAParser from 'ua-parser-js';
import type { DeviceInfo, EnrichContext, Step } from './pipeline.js';

export const DEVICE_TYPES_OF_SEED = ['desktop', 'mobile', 'tablet'] as const;

/** ua-parser-js browser names for the brands of Sec-CH-UA-Full-Version-List. */
const BRAND_TO_BROWSER: Record<string, string> = {
  'Google Chrome': 'Chrome',
  'Microsoft Edge': 'Edge',
  Opera: 'Opera',
  'Opera GX': 'Opera GX',
  'Samsung Internet': 'Samsung Browser',
  Yandex: 'Yandex',
  YaBrowser: 'Yandex',
  Brave: 'Brave',
  Vivaldi: 'Vivaldi',
  Chromium: 'Chromium',
  HeadlessChrome: 'Chrome Headless',
};

/** ua-parser-js OS names for Sec-CH-UA-Platform values. */
const PLATFORM_TO_OS: Record<string, string> = {
  Windows: 'Windows',
  macOS: 'Mac OS',
  Android: 'Android',
  'Chrome OS': 'Chromium OS',
  'Chromium OS': 'Chromium OS',
  Linux: 'Linux',
  iOS: 'iOS',
};

export interface DeviceParserStats {
  hits: number;
  misses: number;
}

export interface DeviceParser {
  parse(userAgent: string | null, hints: Readonly<Record<string, string>>): DeviceInfo;
  /** Running totals; the worker turns deltas into beacon_enricher_cache_total{cache="ua"}. */
  readonly stats: DeviceParserStats;
  readonly size: number;
}

const EMPTY_HINTS: Readonly<Record<string, string>> = Object.freeze({});

/** The hint headers that change the result, joined: part of the cache key. */
function hintsKey(h: Readonly<Record<string, string>>): string {
  const mobile = h['sec-ch-ua-mobile'];
  const platform = h['sec-ch-ua-platform'];
  const pv = h['sec-ch-ua-platform-version'];
  const model = h['sec-ch-ua-model'];
  const full = h['sec-ch-ua-full-version-list'];
  if (
    mobile === undefined &&
    platform === undefined &&
    pv === undefined &&
    model === undefined &&
    full === undefined
  )
    return '';
  return `\n${mobile ?? ''}\n${platform ?? ''}\n${pv ?? ''}\n${model ?? ''}\n${full ?? ''}`;
}

function sfString(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  try {
    const [item] = parseItem(value);
    return typeof item === 'string' ? item.trim() || null : null;
  } catch {
    return null;
  }
}

function sfBoolean(value: string | undefined): boolean | null {
  if (value === undefined || value === '') return null;
  try {
    const [item] = parseItem(value);
    return typeof item === 'boolean' ? item : null;
  } catch {
    return null;
  }
}

/** Brand → full version from Sec-CH-UA-Full-Version-List (GREASE brands skipped). */
function fullVersions(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  try {
    for (const member of parseList(value)) {
      const [brand, params] = member;
      if (typeof brand !== 'string' || /not.?a.?brand/i.test(brand)) continue;
      const v = params.get('v');
      if (typeof v === 'string' && v) out.set(brand, v);
    }
  } catch {
    // a malformed header is ignored: the UA still answers
  }
  return out;
}

function windowsVersionFromHint(pv: string): string | null {
  const major = Number(pv.split('.', 1)[0]);
  if (!Number.isFinite(major)) return null;
  if (major >= 13) return '11';
  if (major >= 1) return '10';
  return null; // 0.x: Windows 7/8/8.1; the UA's "NT 6.x" answers better
}

/** Cuts a value to its column's length. */
function clipVersion(v: string | null | undefined, max = 20): string | null {
  if (!v) return null;
  return v.length > max ? v.slice(0, max) : v;
}

/** Parses a UA + hints without the cache (exported for tests and the benchmark's per-field costs). */
export function parseDevice(
  parser: UAParser,
  userAgent: string | null,
  hints: Readonly<Record<string, string>>,
): DeviceInfo {
  const ua = userAgent ?? '';
  const r = parser.setUA(ua).getResult();
  const browser = r.browser.name ?? null;
  let browserVersion = r.browser.version ?? null;
  let os = r.os.name ?? null;
  let osVersion = r.os.version ?? null;
  let deviceType: string | null = r.device.type ?? null;
  const brand = r.device.vendor ?? null;
  let model = r.device.model ?? null;

  const chMobile = sfBoolean(hints['sec-ch-ua-mobile']);
  const chPlatform = sfString(hints['sec-ch-ua-platform']);
  const chPlatformVersion = sfString(hints['sec-ch-ua-platform-version']);
  const chModel = sfString(hints['sec-ch-ua-model']);
  const versions = fullVersions(hints['sec-ch-ua-full-version-list']);

  if (chPlatform) {
    const mapped = PLATFORM_TO_OS[chPlatform];
    // A known platform fills a blank OS; it never replaces a more specific UA answer (Ubuntu vs Linux).
    if (mapped && os === null) os = mapped;
    if (chPlatformVersion && os === mapped) {
      if (mapped === 'Windows') osVersion = windowsVersionFromHint(chPlatformVersion) ?? osVersion;
      else if (mapped === 'Android') osVersion = chPlatformVersion.replace(/(\.0)+$/, '') || osVersion;
      else if (mapped === 'Mac OS' || mapped === 'Chromium OS') osVersion = chPlatformVersion;
    }
  }
  if (chModel && (r.device.model === undefined || r.device.model === 'K' || os === 'Android'))
    model = chModel;
  if (browser && versions.size > 0) {
    for (const [b, v] of versions) {
      if (BRAND_TO_BROWSER[b] === browser) {
        browserVersion = v;
        break;
      }
    }
  }
  if (deviceType === null || deviceType === undefined) {
    if (chMobile === true) deviceType = 'mobile';
    else if (chMobile === false && os === 'Android') deviceType = 'tablet';
    else deviceType = 'desktop';
  }

  return Object.freeze({
    browser: clipVersion(browser, 50),
    browserVersion: clipVersion(browserVersion),
    os: clipVersion(os, 50),
    osVersion: clipVersion(osVersion),
    deviceType,
    deviceBrand: clipVersion(brand, 50),
    deviceModel: clipVersion(model, 100),
    isBotUa: ua === '' ? false : isbot(ua),
  });
}

/** A cached device parser; `max` distinct UA+hints combinations are kept. */
export function createDeviceParser(max = 5_000): DeviceParser {
  const parser = new UAParser();
  const cache = new LRUCache<string, DeviceInfo>({ max });
  const stats: DeviceParserStats = { hits: 0, misses: 0 };
  return {
    stats,
    get size() {
      return cache.size;
    },
    parse(userAgent, hints) {
      const h = hints ?? EMPTY_HINTS;
      const key = (userAgent ?? '') + hintsKey(h);
      const cached = cache.get(key);
      if (cached !== undefined) {
        stats.hits++;
        return cached;
      }
      stats.misses++;
      const info = parseDevice(parser, userAgent, h);
      cache.set(key, info);
      return info;
    },
  };
}

export function deviceStep(parser: DeviceParser): Step {
  return {
    name: 'device',
    run(ctx: EnrichContext) {
      const d = parser.parse(ctx.request.user_agent, ctx.request.client_hints);
      ctx.device = d;
      const row = ctx.row;
      row.browser = d.browser;
      row.browser_version = d.browserVersion;
      row.os = d.os;
      row.os_version = d.osVersion;
      row.device_type = d.deviceType;
      row.device_brand = d.deviceBrand;
      row.device_model = d.deviceModel;
    },
  };
}
