/**
 * The columns of the `events` table in table order, with the facts every stage needs: the collector
 * cuts strings to `max`, the writer encodes COPY by `type`, tests compare this list with the migrated
 * table. A migration that adds a column adds it here too (a test fails otherwise).
 */
export type ColumnType =
  'uuid' | 'varchar' | 'text' | 'int' | 'bigint' | 'decimal' | 'bool' | 'jsonb' | 'timestamptz';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  /** varchar length, or [precision, scale] for decimal. */
  readonly max?: number;
  readonly scale?: number;
  readonly notNull?: boolean;
}

const c = (name: string, type: ColumnType, max?: number, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  type,
  ...(max === undefined ? {} : { max }),
  ...extra,
});

export const EVENT_COLUMNS = [
  // Event metadata
  c('id', 'uuid', undefined, { notNull: true }),
  c('site_id', 'varchar', 50, { notNull: true }),
  c('event_id', 'varchar', 100),
  c('event_name', 'varchar', 100, { notNull: true }),
  c('timestamp', 'bigint'),
  c('server_timestamp', 'timestamptz', undefined, { notNull: true }),
  // User identification
  c('client_id', 'varchar', 100),
  c('session_id', 'varchar', 100),
  c('session_number', 'int'),
  c('user_id', 'varchar', 100),
  c('email_hash', 'varchar', 64),
  c('phone_hash', 'varchar', 64),
  // Device & browser
  c('user_agent', 'text'),
  c('device_type', 'varchar', 20),
  c('device_brand', 'varchar', 50),
  c('device_model', 'varchar', 100),
  c('browser', 'varchar', 50),
  c('browser_version', 'varchar', 20),
  c('os', 'varchar', 50),
  c('os_version', 'varchar', 20),
  c('screen_resolution', 'varchar', 20),
  c('viewport_size', 'varchar', 20),
  c('device_pixel_ratio', 'decimal', 3, { scale: 2 }),
  // Network & location
  c('ip_address', 'varchar', 45),
  c('country', 'varchar', 2),
  c('country_name', 'varchar', 100),
  c('region', 'varchar', 100),
  c('city', 'varchar', 100),
  c('postal_code', 'varchar', 20),
  c('latitude', 'decimal', 10, { scale: 7 }),
  c('longitude', 'decimal', 10, { scale: 7 }),
  c('timezone', 'varchar', 50),
  c('isp', 'varchar', 100),
  c('organization', 'varchar', 255),
  c('asn', 'varchar', 20),
  c('company_name', 'varchar', 255),
  c('company_domain', 'varchar', 255),
  c('company_industry', 'varchar', 100),
  c('company_employee_count', 'varchar', 50),
  c('company_revenue', 'varchar', 50),
  c('visitor_type', 'varchar', 20),
  c('is_vpn', 'bool'),
  c('is_proxy', 'bool'),
  c('is_hosting', 'bool'),
  // Page & referral
  c('page_url', 'text'),
  c('page_title', 'varchar', 500),
  c('page_path', 'text'),
  c('referrer', 'text'),
  c('referrer_domain', 'varchar', 255),
  c('utm_source', 'varchar', 255),
  c('utm_medium', 'varchar', 255),
  c('utm_campaign', 'varchar', 255),
  c('utm_content', 'varchar', 255),
  c('utm_term', 'varchar', 255),
  c('gclid', 'varchar', 255),
  c('fbclid', 'varchar', 255),
  c('ttclid', 'varchar', 255),
  c('language', 'varchar', 10),
  // Engagement
  c('time_on_page', 'int'),
  c('scroll_depth', 'int'),
  c('clicks', 'int'),
  c('form_submits', 'int'),
  c('video_plays', 'int'),
  c('file_downloads', 'int'),
  c('engagement_score', 'decimal', 5, { scale: 2 }),
  c('is_bounce', 'bool'),
  // E-commerce & leads
  c('ecommerce_data', 'jsonb'),
  c('lead_data', 'jsonb'),
  c('properties', 'jsonb'),
  // Beyond the seed (migration 0003): derived by the enricher
  c('referrer_class', 'varchar', 20),
  c('channel', 'varchar', 30),
  c('company_confidence', 'decimal', 3, { scale: 2 }),
  c('company_source', 'varchar', 20),
] as const satisfies readonly ColumnDef[];

export type EventColumnName = (typeof EVENT_COLUMNS)[number]['name'];

export const EVENT_COLUMN_NAMES: readonly EventColumnName[] = EVENT_COLUMNS.map((col) => col.name);

export const EVENT_COLUMN_BY_NAME: ReadonlyMap<string, ColumnDef> = new Map(
  EVENT_COLUMNS.map((col) => [col.name, col]),
);

/** Cuts a string to the column's length in characters (PostgreSQL counts characters, not bytes). */
export function fitToColumn(name: EventColumnName, value: string): string {
  const max = EVENT_COLUMN_BY_NAME.get(name)?.max;
  if (max === undefined || value.length <= max) return value;
  // Do not split a surrogate pair: a lone high surrogate is invalid UTF-8 for PostgreSQL.
  let cut = value.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}
