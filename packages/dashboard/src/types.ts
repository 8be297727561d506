// Answer shapes of the API (services/api/openapi.json), the parts the dashboard reads. Those re-exported
// here are inferred from the API's zod schemas (services/api/src/answers.ts): derive, never copy them.
export type {
  AlertEndpoint,
  ReportDelivery,
  ReportPreviewSent,
  ReportSchedule,
  TrafficAlert,
  AuditEntry,
  Brand,
  Branding,
  CompanyAlertRule,
  Funnel,
  FunnelStats,
  FunnelStepFigures,
  VitalRow,
  WebVitals,
  Breakdown,
  BreakdownRow,
  CompanyDetail,
  CompanyRow,
  EventPropertyRow,
  EventRow,
  MatchRates,
  Overview,
  PeriodTotals,
  Realtime,
  Role,
  SessionRow,
  Site,
  SiteConfig,
  TimeBucket,
  TimeSeries,
  User,
} from '@beacon/api/answers';
import type { Role, User } from '@beacon/api/answers';

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
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
export interface Snippet {
  script_id: string;
  collector_url: string;
  html: string;
}
