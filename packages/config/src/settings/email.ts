import { parsers as p, setting } from '../setting.js';

/** Outgoing email (invitations, password resets, scheduled reports) and the links it carries. */
export const email = {
  smtpUrl: setting('SMTP_URL', p.url(['smtp:', 'smtps:']), '')`
    SMTP server for outgoing email, e.g. smtps://user:password@smtp.example.net:465 (smtp:// upgrades with
    STARTTLS when offered). Empty: no email is sent (invitations answer email_sent=false and are logged).`,
  from: setting('EMAIL_FROM', p.string({ min: 3, max: 320 }), 'Beacon <beacon@localhost>')`
    Sender of outgoing email, e.g. "Acme Analytics <reports@acme.test>".`,
  dashboardPublicUrl: setting('DASHBOARD_PUBLIC_URL', p.url(['http:', 'https:']), 'http://localhost:3000')`
    Address where people open the dashboard (the API serves it). Links in emails (invitations, password
    resets, share links, unsubscribe) start with it, on the agency's own dashboard hostname when it has one
    (same scheme and port); never taken from a request Host header.`,
  reportsTickS: setting('REPORTS_TICK_S', p.int(0, 86_400), 60)`
    How often each API process looks for due scheduled email reports and traffic alerts and sends them, in
    seconds (0: never; several replicas share the work and each report still goes once per period and
    recipient, each alert once per cooldown).`,
  quotaCheckS: setting('QUOTA_CHECK_S', p.int(0, 86_400), 600)`
    How often each API process checks the sites' monthly event quotas and mails the 80 % and 100 % warnings,
    in seconds (0: never). Each check counts the month's stored events of every site with a quota and a
    warning still to come (about 0.3 s of PostgreSQL per million events): keep it minutes apart. Several
    replicas still send each warning once per site, month and threshold.`,
  inviteTtlH: setting('AUTH_INVITE_TTL_H', p.int(1, 30 * 24), 7 * 24)`
    Hours an invitation link stays valid (single use).`,
  resetTtlMin: setting('AUTH_RESET_TTL_MIN', p.int(5, 24 * 60), 60)`
    Minutes a password-reset link stays valid (single use; asking again voids the earlier link).`,
};
