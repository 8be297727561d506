// Answer shapes of the API (services/api/openapi.json), the parts the dashboard reads.
export type Role = 'admin' | 'user' | 'viewer';

export interface User {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  role: Role;
  is_active: boolean;
  last_login: string | null;
  created_at: string;
}
export interface TokenAnswer {
  access_token: string;
  expires_in: number;
  user: User;
}
export interface Me {
  via: 'user' | 'api_key';
  role: Role;
  agency: { id: string; name: string; status: string };
  user: User | null;
}
export interface Agency {
  id: string;
  name: string;
  email: string | null;
  status: string;
  config: { retention_months: number | null };
}
export interface SiteConfig {
  allowed_origins: string[];
  ip_anonymization: 'none' | 'truncate' | 'drop';
  bot_policy: 'keep' | 'drop';
  cookieless: boolean;
  respect_dnt: boolean;
  require_consent: boolean;
  timezone: string;
  /** null: the agency's retention */
  retention_months: number | null;
  currency?: string;
}
export interface Site {
  id: string;
  name: string;
  domain: string;
  script_id: string;
  status: 'active' | 'paused' | 'deleted';
  config: SiteConfig;
  created_at: string;
  updated_at: string;
}
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
export interface Snippet {
  script_id: string;
  collector_url: string;
  html: string;
}
export interface PeriodTotals {
  visitors: number;
  sessions: number;
  page_views: number;
  events: number;
  bounced_sessions: number;
  viewing_sessions: number;
  bounce_rate: number | null;
  avg_session_duration: number | null;
}
export interface Overview {
  current: PeriodTotals;
  previous: PeriodTotals;
  change: Record<string, number | null>;
}
export interface TimeBucket {
  bucket: string;
  start: string;
  visitors: number;
  sessions: number;
  page_views: number;
  events: number;
}
export interface TimeSeries {
  interval: 'hour' | 'day' | 'week' | 'month';
  tz: string;
  items: TimeBucket[];
}
export interface BreakdownRow {
  value: string | null;
  visitors: number;
  sessions: number;
  page_views: number | null;
  events: number | null;
  /** With conversion_goal: visitors of the row whose session converted, and that / visitors. */
  converters?: number;
  conversion_rate?: number | null;
}
export interface EventPropertyRow {
  property: string;
  value: string | null;
  visitors: number;
  events: number;
}
export interface Breakdown extends Page<BreakdownRow> {
  dimension: string;
}
export interface Realtime {
  visitors_5m: number;
  visitors_30m: number;
  page_views_30m: number;
  events_30m: number;
}
export interface EventRow {
  id: string;
  server_timestamp: string;
  event_name: string;
  client_id: string | null;
  session_id: string | null;
  page_path: string | null;
  page_title: string | null;
  referrer_domain: string | null;
  channel: string | null;
  utm_source: string | null;
  country: string | null;
  device_type: string | null;
  browser: string | null;
  company_name: string | null;
  time_on_page: number | null;
  properties: Record<string, unknown> | null;
}
export interface SessionRow {
  session_id: string;
  client_id: string | null;
  started_at: string;
  ended_at: string;
  duration: number;
  page_views: number;
  events: number;
  entry_page: string | null;
  exit_page: string | null;
  country: string | null;
  device_type: string | null;
  browser: string | null;
  referrer_domain: string | null;
  channel: string | null;
  company_name: string | null;
  bounce: boolean;
}
export interface CompanyRow {
  name: string;
  domain: string | null;
  industry: string | null;
  visitors: number;
  sessions: number;
  page_views: number;
  events: number;
  first_seen: string;
  last_seen: string;
}
export interface CompanyDetail {
  company: {
    name?: string | null;
    domain: string | null;
    industry?: string | null;
    employee_count?: string | null;
    revenue?: string | null;
  };
  /** The caller agency's override of the domain (PUT /v1/company-overrides). */
  override: { not_company: boolean; name: string | null; industry: string | null } | null;
  /** How the site's events of the domain were identified. */
  match: {
    sources: {
      source: 'agency_ranges' | 'maxmind' | 'asn' | null;
      confidence: number | null;
      asns: string[] | null;
      events: number;
      first_seen: string;
      last_seen: string;
    }[];
    ranges: { range_start: string; range_end: string }[];
  };
  totals: PeriodTotals;
  previous: PeriodTotals;
  interval: TimeSeries['interval'];
  tz: string;
  items: TimeBucket[];
}

/** GET /v1/sites/{id}/stats/match-rates: sessions per identification class and bucket. */
export interface MatchRates {
  interval: TimeSeries['interval'];
  tz: string;
  items: {
    bucket: string;
    start: string;
    sessions: number;
    company: number;
    isp_residential: number;
    hosting_vpn: number;
    bot: number;
    unknown: number;
  }[];
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: 'user' | 'api_key' | 'cli'; user_id: string | null; email: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  details: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
}

/** A scheduled email report of a site (ReportSchedule in openapi.json). */
export interface ReportSchedule {
  id: string;
  frequency: 'weekly' | 'monthly';
  recipients: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}
/** One email of a report's delivery log (ReportDeliveries; admins only). */
export interface ReportDelivery {
  id: string;
  schedule_id: string;
  period_start: string;
  period_end: string;
  recipient: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  created_at: string;
}
/** What "send now" answers (ReportPreviewSent). */
export interface ReportPreviewSent {
  sent_to: string[];
  period: { start: string; end: string };
}
/** A traffic alert by email of a site (TrafficAlert). */
export interface TrafficAlert {
  id: string;
  recipients: string[];
  spike_pct: number;
  drop_pct: number;
  min_usual: number;
  cooldown_h: number;
  enabled: boolean;
  last_alert_at: string | null;
  last_alert_kind: 'spike' | 'drop' | null;
  created_at: string;
}
