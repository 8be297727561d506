import type { z } from 'zod';
import type { ListedEventRow } from '@beacon/schema';
import type { auditEntrySchema } from './routes/audit.js';
import type { roleSchema, userSchema } from './routes/schemas.js';
import type { brandingSchema, brandSchema } from './routes/branding.js';
import type { siteSchema } from './routes/sites.js';
import type * as stats from './routes/stats-schemas.js';
import type { endpointSchema, ruleSchema } from './routes/company-alerts.js';
import type { funnelSchema, funnelStatsSchema, stepFigures } from './routes/funnels.js';
import type { vitalsSchema } from './routes/vitals.js';
import type { alertSchema } from './routes/alerts.js';
import type { deliveriesSchema, previewSentSchema, scheduleSchema } from './routes/reports.js';

/**
 * TypeScript types of the API's answers, inferred from the zod schemas that also write the OpenAPI
 * document (services/api/openapi.json): the one source of these shapes for the API's own code and for
 * clients in the workspace (the dashboard imports them type-only from '@beacon/api/answers').
 */

export type PeriodTotals = z.infer<typeof stats.periodTotalsSchema>;
export type Overview = z.infer<typeof stats.overviewSchema>;
export type TimeBucket = z.infer<typeof stats.bucketSchema>;
export type TimeSeries = z.infer<typeof stats.timeseriesSchema>;
export type BreakdownRow = z.infer<typeof stats.breakdownRowSchema>;
export type Breakdown = z.infer<typeof stats.breakdownSchema>;
export type EventPropertyRow = z.infer<typeof stats.eventPropertySchema>;
export type Realtime = z.infer<typeof stats.realtimeSchema>;
// The event lists' rows come from the field registry (their zod schema is built from it at run time).
export type EventRow = ListedEventRow;
export type SessionRow = z.infer<typeof stats.sessionRowSchema>;
export type CompanyRow = z.infer<typeof stats.companyRowSchema>;
export type CompanyDetail = z.infer<typeof stats.companyDetailSchema>;
export type MatchRates = z.infer<typeof stats.matchRatesSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type Role = z.infer<typeof roleSchema>;
export type User = z.infer<typeof userSchema>;
export type Site = z.infer<typeof siteSchema>;
export type Brand = z.infer<typeof brandSchema>;
export type Branding = z.infer<typeof brandingSchema>;
export type SiteConfig = Site['config'];
export type WebVitals = z.infer<typeof vitalsSchema>;
export type VitalRow = WebVitals['items'][number];
export type Funnel = z.infer<typeof funnelSchema>;
export type FunnelStats = z.infer<typeof funnelStatsSchema>;
export type FunnelStepFigures = z.infer<typeof stepFigures>;
export type CompanyAlertRule = z.infer<typeof ruleSchema>;
export type AlertEndpoint = z.infer<typeof endpointSchema>;
export type ReportSchedule = z.infer<typeof scheduleSchema>;
export type ReportDelivery = z.infer<typeof deliveriesSchema>['items'][number];
export type ReportPreviewSent = z.infer<typeof previewSentSchema>;
export type TrafficAlert = z.infer<typeof alertSchema>;
