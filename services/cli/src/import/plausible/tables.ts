import { channelOf, classifyReferrer, type ReferrerLists } from '@beacon/enricher';

/**
 * Rows of Plausible's CSV export (columns as Plausible documents them for its CSV import/export,
 * "CSV format guidelines": daily aggregates, one file per table) mapped onto Beacon's per-day
 * aggregates: one row per (day, dimension, value) with the counters rollup_days keeps. Dimensions
 * are rollup_days' `dim` values ('total', 'page', 'event' and the session-level columns).
 */

export interface DayRow {
  day: string;
  dim: string;
  value: string | null;
  visitors: number;
  sessions: number;
  page_views: number;
  events: number;
  bounced: number;
  viewing: number;
  duration: number;
}

export interface MapContext {
  lists: ReferrerLists;
  /** The Beacon site's domain: a referrer on it is a self-referral (as the enricher decides). */
  siteDomain: string;
}

export interface TableSpec {
  /** Columns read; any other column present is reported as unmapped. */
  mapped: readonly string[];
  rows(rec: Record<string, string>, ctx: MapContext): DayRow[];
}

/** A row that cannot be imported; the message is the summary's reason. */
export class RowError extends Error {}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayOf(rec: Record<string, string>): string {
  const d = rec.date?.trim() ?? '';
  if (!DAY.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw new RowError('no date');
  return d;
}

/** A count column: a whole number >= 0; an absent or empty column is 0. */
function count(rec: Record<string, string>, col: string): number {
  const raw = rec[col]?.trim() ?? '';
  if (raw === '') return 0;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new RowError(`not a count in ${col}`);
  return n;
}

const text = (v: string | undefined, max: number): string | null => {
  const t = v?.trim() ?? '';
  return t === '' ? null : t.slice(0, max);
};

/** Visitors, visits and page views of a breakdown row; per-value bounces and durations are not kept. */
function breakdown(rec: Record<string, string>, day: string, dim: string, value: string | null): DayRow {
  const page_views = count(rec, 'pageviews');
  return {
    day,
    dim,
    value,
    visitors: count(rec, 'visitors'),
    sessions: count(rec, 'visits'),
    page_views,
    events: page_views,
    bounced: 0,
    viewing: 0,
    duration: 0,
  };
}

/** Plausible's device classes (by screen width) onto Beacon's device_type values. */
const DEVICE: Record<string, string> = {
  desktop: 'desktop',
  laptop: 'desktop',
  mobile: 'mobile',
  tablet: 'tablet',
};
/** Plausible's browser and OS names where ua-parser-js 1.x (Beacon's names) spells them otherwise. */
const BROWSER: Record<string, string> = { 'Microsoft Edge': 'Edge' };
const OS: Record<string, string> = { Mac: 'Mac OS', 'GNU/Linux': 'Linux', 'Chrome OS': 'Chromium OS' };

const COUNTERS = ['visitors', 'visits', 'pageviews'] as const;

function oneColumn(
  column: string,
  dim: string,
  max: number,
  rename: (v: string) => string | null = (v) => v,
): TableSpec {
  return {
    mapped: ['date', column, ...COUNTERS],
    rows(rec) {
      const v = text(rec[column], max);
      return [breakdown(rec, dayOf(rec), dim, v === null ? null : rename(v))];
    },
  };
}

/** Plausible's `referrer` has no scheme ("github.com/owner/repo"); the enricher's rules want a URL. */
function referrerUrl(referrer: string | null): string | null {
  if (!referrer) return null;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(referrer) ? referrer : `https://${referrer}`;
}

const sources: TableSpec = {
  mapped: ['date', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', ...COUNTERS],
  rows(rec, ctx) {
    const day = dayOf(rec);
    const ref = classifyReferrer(ctx.lists, referrerUrl(text(rec.referrer, 2048)), ctx.siteDomain, null);
    const utm_source = text(rec.utm_source, 255);
    const utm_medium = text(rec.utm_medium, 255);
    const utm_campaign = text(rec.utm_campaign, 255);
    // `source` is Plausible's name for utm_source or the referrer; without either it still names the
    // origin (e.g. "Google" from an earlier GA import), which the channel rules read like a utm_source.
    const named = text(rec.source, 255);
    const source = named && named !== 'Direct / None' && !ref.referrer_domain ? named : null;
    const channel = channelOf(ctx.lists, {
      utm_source: utm_source ?? source,
      utm_medium,
      utm_campaign,
      gclid: null,
      fbclid: null,
      ttclid: null,
      click_ids: null,
      referrer_class: ref.referrer_class,
    });
    const dims: [string, string | null][] = [
      ['referrer_domain', ref.referrer_domain?.slice(0, 255) ?? null],
      ['referrer_class', ref.referrer_class],
      ['channel', channel],
      ['utm_source', utm_source],
      ['utm_medium', utm_medium],
      ['utm_campaign', utm_campaign],
    ];
    return dims.map(([dim, value]) => breakdown(rec, day, dim, value));
  },
};

/** Export files whose rows become Beacon per-day aggregates, by table. */
export const TABLES: Record<string, TableSpec> = {
  imported_visitors: {
    mapped: ['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'],
    rows(rec) {
      const visits = count(rec, 'visits');
      const page_views = count(rec, 'pageviews');
      return [
        {
          day: dayOf(rec),
          dim: 'total',
          value: null,
          visitors: count(rec, 'visitors'),
          sessions: visits,
          page_views,
          events: page_views,
          bounced: count(rec, 'bounces'),
          // Every Plausible visit has a page view: Beacon's "viewing sessions", the bounce rate's base.
          viewing: visits,
          duration: count(rec, 'visit_duration'),
        },
      ];
    },
  },
  imported_sources: sources,
  imported_pages: {
    mapped: ['date', 'page', ...COUNTERS],
    rows: (rec) => [breakdown(rec, dayOf(rec), 'page', text(rec.page, 2048))],
  },
  imported_custom_events: {
    mapped: ['date', 'name', 'visitors', 'events'],
    rows(rec) {
      const day = dayOf(rec);
      const name = text(rec.name, 100);
      if (!name) throw new RowError('custom event without a name');
      const events = count(rec, 'events');
      const visitors = count(rec, 'visitors');
      const zero = { visitors: 0, sessions: 0, page_views: 0, bounced: 0, viewing: 0, duration: 0 };
      return [
        // Plausible has no visits per event: sessions = visitors, a lower bound.
        { ...zero, day, dim: 'event', value: name, visitors, sessions: visitors, events },
        // The day's events count custom events too (Beacon's `events` = page views + custom events).
        { ...zero, day, dim: 'total', value: null, events },
      ];
    },
  },
  // ISO 3166-1 alpha-2, as Beacon keeps it; region and city are read from events only.
  imported_locations: oneColumn('country', 'country', 8, (c) =>
    /^[a-z]{2}$/i.test(c) ? c.toUpperCase() : null,
  ),
  imported_devices: oneColumn('device', 'device_type', 20, (d) => DEVICE[d.toLowerCase()] ?? d.toLowerCase()),
  imported_browsers: oneColumn('browser', 'browser', 50, (b) => BROWSER[b] ?? b),
  imported_operating_systems: oneColumn('operating_system', 'os', 50, (o) => OS[o] ?? o),
};

/** Export files Beacon reads but cannot represent in per-day aggregates, with the reason. */
export const NOT_REPRESENTABLE: Record<string, string> = {
  imported_entry_pages:
    'entry pages: per-day aggregates keep no entry page (Beacon reads them from hourly rows)',
  imported_exit_pages:
    'exit pages: per-day aggregates keep no exit page (Beacon reads them from hourly rows)',
};
