import { actionEmail } from '../email/templates.js';
import type { LeadScore } from './score.js';

/**
 * The body of a company alert: everything a CRM needs to create or update an account record
 * (docs/company-alerts.md "Payload"). Stored with the alert when it fires; `id` and `created_at` are
 * added when it is sent (the alert id is the receiver's idempotency key).
 */
export interface CompanyAlertPayload {
  type: 'company.alert';
  rule: { id: string; name: string };
  site: { id: string; name: string; domain: string };
  company: {
    domain: string;
    name: string | null;
    industry: string | null;
    employee_count: string | null;
    revenue: string | null;
    country: string | null;
  };
  score: LeadScore;
  activity: {
    first_at: string;
    last_at: string;
    events: number;
    pages: string[];
    returning: boolean;
    intent_page: boolean;
  };
  pages_seen: { path: string; views: number }[];
  first_visit: string;
  last_visit: string;
  dashboard_url: string;
}

export type CompanyAlert = CompanyAlertPayload & { id: string; created_at: string };

export function envelope(id: string, createdAt: Date, payload: CompanyAlertPayload): CompanyAlert {
  return { id, created_at: createdAt.toISOString(), ...payload };
}

const who = (a: CompanyAlert) => a.company.name ?? a.company.domain;
const headline = (a: CompanyAlert) =>
  `${who(a)} ${a.activity.returning ? 'is back on' : 'visited'} ${a.site.name} (score ${a.score.score})`;

function summary(a: CompanyAlert): string[] {
  const facts = [a.company.industry, a.company.employee_count, a.company.country].filter(Boolean).join(' · ');
  return [
    `${a.company.domain}${facts ? ` — ${facts}` : ''}`,
    `Score ${a.score.score}/100: engagement ${a.score.engagement}, intent ${a.score.intent}, fit ${a.score.fit}.`,
    `Pages this visit: ${a.activity.pages.slice(0, 8).join(', ') || '(no page views)'}`,
    `Rule: ${a.rule.name}.`,
  ];
}

/** Slack incoming-webhook message (text for notifications, blocks for the channel). */
export function slackMessage(a: CompanyAlert): Record<string, unknown> {
  const [line1, ...rest] = summary(a);
  return {
    text: headline(a),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${headline(a)}*\n${line1}` } },
      { type: 'section', text: { type: 'mrkdwn', text: rest.join('\n') } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Open in Beacon' }, url: a.dashboard_url },
        ],
      },
    ],
  };
}

export function alertEmail(a: CompanyAlert, brand: string): { subject: string; text: string; html: string } {
  return {
    subject: headline(a),
    ...actionEmail({
      brand,
      heading: headline(a),
      paragraphs: summary(a),
      action: { label: 'Open the company in Beacon', url: a.dashboard_url },
      footer: 'You get this because an alert endpoint of this site lists your address.',
    }),
  };
}
