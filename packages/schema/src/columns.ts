import { cutText } from './text.js';

/**
 * The field registry: every column of the `events` table in table order, one line each, with what every
 * stage needs to know about it. The rest is derived from these lines, never written again by hand:
 * the hit schema the collector checks (browser fields, hit.ts), the pixel's query-string conversions,
 * the wire fields the enricher copies and the row types of enricher and writer (EventRow), the writer's
 * COPY column list and encoders, the api's event-list columns and schema (listed), the columns only
 * admins export (personal). packages/db/test/schema.test.ts compares the lines with the migrated table.
 * Adding a column: docs/design.md "Adding a browser-sent field".
 */

export type ColumnType =
  'uuid' | 'varchar' | 'text' | 'int' | 'bigint' | 'decimal' | 'bool' | 'jsonb' | 'timestamptz';

/**
 * Who fills a column:
 * - browser: a wire field of the hit (tracker, pixel, server-side and compatible intakes); the collector
 *   checks it with the hit schema, the enricher copies it into the row;
 * - receipt: what the collector knows at receipt (id, server_timestamp, site_id, the request's user agent);
 * - enricher: derived by the enricher's steps, never taken from the client.
 */
export type ColumnSource = 'browser' | 'receipt' | 'enricher';

/**
 * How the collector checks a browser field; the default follows the column type (varchar and text:
 * 'text', int: 'count', bigint: 'epoch_ms', decimal: 'positive', jsonb: 'object').
 * - text: a string, cleaned (control characters, lone surrogates) and cut to the column (text columns:
 *   to HitLimits.textMax); a notNull one is trimmed and must not be empty
 * - count: an integer 0..2^31-1;  percent: an integer 0..100;  epoch_ms: ms since the epoch
 * - sha256: 64 hex digits (hashed in the browser), lower-cased
 * - positive: a number above 0 and below the column's precision, rounded to its scale
 * - object: a JSON object within HitLimits' depth, key count and string length
 */
export type WireCheck = 'text' | 'count' | 'percent' | 'epoch_ms' | 'sha256' | 'positive' | 'object';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly source: ColumnSource;
  /** varchar length, or precision for decimal. */
  readonly max?: number;
  /** decimal scale. */
  readonly scale?: number;
  readonly notNull?: boolean;
  /** Browser fields whose check is not their type's default. */
  readonly wire?: WireCheck;
  /** Identifies a person or a device on its own: only admins export it (services/api exports). */
  readonly personal?: boolean;
  /** A column of the api's event lists (recent events, a session's events; OpenAPI EventRow). */
  readonly listed?: boolean;
}

type Extra = Omit<ColumnDef, 'name' | 'type' | 'source'>;
type Line<N extends string, T extends ColumnType, S extends ColumnSource, E extends Extra> = {
  readonly name: N;
  readonly type: T;
  readonly source: S;
} & E;

const line =
  <S extends ColumnSource>(source: S) =>
  <const N extends string, const T extends ColumnType, const E extends Extra = Record<never, never>>(
    name: N,
    type: T,
    extra?: E,
  ): Line<N, T, S, E> =>
    ({ name, type, source, ...extra }) as Line<N, T, S, E>;

/** A field the browser sends. */
const browser = line('browser');
/** A fact of the request, stamped by the collector at receipt. */
const receipt = line('receipt');
/** A column the enricher derives. */
const derived = line('enricher');

// prettier-ignore
export const EVENT_COLUMNS = [
  // Event metadata
  receipt('id', 'uuid', { notNull: true, listed: true }),
  receipt('site_id', 'varchar', { max: 50, notNull: true }),
  browser('event_id', 'varchar', { max: 100 }),
  browser('event_name', 'varchar', { max: 100, notNull: true, listed: true }),
  browser('timestamp', 'bigint'),
  receipt('server_timestamp', 'timestamptz', { notNull: true, listed: true }),
  // User identification
  browser('client_id', 'varchar', { max: 100, listed: true }),
  browser('session_id', 'varchar', { max: 100, listed: true }),
  browser('session_number', 'int'),
  browser('user_id', 'varchar', { max: 100, personal: true }),
  browser('email_hash', 'varchar', { max: 64, wire: 'sha256', personal: true }),
  browser('phone_hash', 'varchar', { max: 64, wire: 'sha256', personal: true }),
  // Device & browser
  receipt('user_agent', 'text', { personal: true }),
  derived('device_type', 'varchar', { max: 20, listed: true }),
  derived('device_brand', 'varchar', { max: 50 }),
  derived('device_model', 'varchar', { max: 100 }),
  derived('browser', 'varchar', { max: 50, listed: true }),
  derived('browser_version', 'varchar', { max: 20 }),
  derived('os', 'varchar', { max: 50, listed: true }),
  derived('os_version', 'varchar', { max: 20 }),
  browser('screen_resolution', 'varchar', { max: 20 }),
  browser('viewport_size', 'varchar', { max: 20 }),
  browser('device_pixel_ratio', 'decimal', { max: 3, scale: 2 }),
  // Network & location
  derived('ip_address', 'varchar', { max: 45, personal: true }),
  derived('country', 'varchar', { max: 2, listed: true }),
  derived('country_name', 'varchar', { max: 100 }),
  derived('region', 'varchar', { max: 100, listed: true }),
  derived('city', 'varchar', { max: 100, listed: true }),
  derived('postal_code', 'varchar', { max: 20 }),
  derived('latitude', 'decimal', { max: 10, scale: 7 }),
  derived('longitude', 'decimal', { max: 10, scale: 7 }),
  derived('timezone', 'varchar', { max: 50 }),
  derived('isp', 'varchar', { max: 100 }),
  derived('organization', 'varchar', { max: 255 }),
  derived('asn', 'varchar', { max: 20 }),
  derived('company_name', 'varchar', { max: 255, listed: true }),
  derived('company_domain', 'varchar', { max: 255, listed: true }),
  derived('company_industry', 'varchar', { max: 100 }),
  derived('company_employee_count', 'varchar', { max: 50 }),
  derived('company_revenue', 'varchar', { max: 50 }),
  derived('visitor_type', 'varchar', { max: 20, listed: true }),
  derived('is_vpn', 'bool'),
  derived('is_proxy', 'bool'),
  derived('is_hosting', 'bool'),
  // Page & referral
  browser('page_url', 'text', { listed: true }),
  browser('page_title', 'varchar', { max: 500, listed: true }),
  derived('page_path', 'text', { listed: true }),
  browser('referrer', 'text', { listed: true }),
  derived('referrer_domain', 'varchar', { max: 255, listed: true }),
  derived('utm_source', 'varchar', { max: 255, listed: true }),
  derived('utm_medium', 'varchar', { max: 255, listed: true }),
  derived('utm_campaign', 'varchar', { max: 255, listed: true }),
  derived('utm_content', 'varchar', { max: 255, listed: true }),
  derived('utm_term', 'varchar', { max: 255, listed: true }),
  derived('gclid', 'varchar', { max: 255, personal: true }),
  derived('fbclid', 'varchar', { max: 255, personal: true }),
  derived('ttclid', 'varchar', { max: 255, personal: true }),
  browser('language', 'varchar', { max: 10, listed: true }),
  // Engagement
  browser('time_on_page', 'int', { listed: true }),
  browser('scroll_depth', 'int', { wire: 'percent', listed: true }),
  browser('clicks', 'int'),
  browser('form_submits', 'int'),
  browser('video_plays', 'int'),
  browser('file_downloads', 'int'),
  derived('engagement_score', 'decimal', { max: 5, scale: 2, listed: true }),
  derived('is_bounce', 'bool'),
  // E-commerce & leads
  browser('ecommerce_data', 'jsonb'),
  browser('lead_data', 'jsonb', { personal: true }),
  browser('properties', 'jsonb', { listed: true }),
  // Beyond the seed (migration 0003): derived by the enricher
  derived('referrer_class', 'varchar', { max: 20 }),
  derived('channel', 'varchar', { max: 30, listed: true }),
  derived('company_confidence', 'decimal', { max: 3, scale: 2 }),
  derived('company_source', 'varchar', { max: 20 }),
] as const satisfies readonly ColumnDef[];

type EventColumn = (typeof EVENT_COLUMNS)[number];
export type EventColumnName = EventColumn['name'];

/** The value of a column type in rows and jobs (timestamps as ISO strings, decimals as numbers). */
export type ColumnValue<T extends ColumnType> = T extends 'int' | 'bigint' | 'decimal'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'jsonb'
      ? Record<string, unknown>
      : string;

type ValueOf<C extends EventColumn> = C extends { notNull: true }
  ? ColumnValue<C['type']>
  : ColumnValue<C['type']> | null;

/** A row of the events table as the enricher builds it and an events job carries it: every column. */
export type EventRow = { [C in EventColumn as C['name']]: ValueOf<C> };

/**
 * A row whose values nobody checked: the registry's column names, any values. The writer's rows (it
 * leaves type checks to PostgreSQL, which refuses a wrong value: the row is dead-lettered), importers'.
 */
export type UncheckedEventRow = { [K in EventColumnName]?: unknown };

type ListedColumn = Extract<EventColumn, { listed: true }>;
/** An event as the API's event lists answer it: the listed columns (LISTED_EVENT_COLUMNS), typed. */
export type ListedEventRow = { [C in ListedColumn as C['name']]: ValueOf<C> };

type BrowserColumn = Extract<EventColumn, { source: 'browser' }>;
export type BrowserFieldName = BrowserColumn['name'];

/** The wire fields of a hit, typed by the registry (event_name required, the others optional). */
export type WireFields = {
  [C in BrowserColumn as C extends { notNull: true } ? C['name'] : never]: ColumnValue<C['type']>;
} & {
  [C in BrowserColumn as C extends { notNull: true } ? never : C['name']]?: ColumnValue<C['type']>;
};

export const EVENT_COLUMN_NAMES: readonly EventColumnName[] = EVENT_COLUMNS.map((col) => col.name);

export const EVENT_COLUMN_BY_NAME: ReadonlyMap<string, ColumnDef> = new Map(
  EVENT_COLUMNS.map((col) => [col.name, col]),
);

const namesWhere = (keep: (col: ColumnDef) => boolean) =>
  EVENT_COLUMNS.filter((col: ColumnDef) => keep(col)).map((col) => col.name);

/** The fields a hit carries (the browser's columns), in table order. */
export const BROWSER_FIELDS = namesWhere((col) => col.source === 'browser') as readonly BrowserFieldName[];

/** The campaign columns a landing URL's query fills (utm_* and the ad click ids), in table order. */
export const CAMPAIGN_COLUMNS = [
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'gclid',
  'fbclid',
  'ttclid',
] as const satisfies readonly EventColumnName[];

/** The columns of the api's event lists, in table order. */
export const LISTED_EVENT_COLUMNS: readonly EventColumnName[] = namesWhere((col) => col.listed === true);

/** Columns that identify a person or a device on their own (exports: admins only), in table order. */
export const PERSONAL_EVENT_COLUMNS: readonly EventColumnName[] = namesWhere((col) => col.personal === true);

/** How the collector checks a browser field (its `wire`, else its type's default). */
export function wireCheckOf(col: ColumnDef): WireCheck {
  if (col.wire) return col.wire;
  switch (col.type) {
    case 'int':
      return 'count';
    case 'bigint':
      return 'epoch_ms';
    case 'decimal':
      return 'positive';
    case 'jsonb':
      return 'object';
    default:
      return 'text';
  }
}

/** The PostgreSQL type of a column as format_type() prints it (the test against the migrated table). */
export function sqlTypeOf(col: ColumnDef): string {
  switch (col.type) {
    case 'varchar':
      return `character varying(${col.max})`;
    case 'decimal':
      return `numeric(${col.max},${col.scale})`;
    case 'int':
      return 'integer';
    case 'bool':
      return 'boolean';
    case 'timestamptz':
      return 'timestamp with time zone';
    default:
      return col.type;
  }
}

/** Cuts a string to the column's length in characters (PostgreSQL counts characters, not bytes). */
export function fitToColumn(name: EventColumnName, value: string): string {
  const max = EVENT_COLUMN_BY_NAME.get(name)?.max;
  return max === undefined ? value : cutText(value, max);
}
