import { z } from 'zod';
import { parsers as p, setting } from '../setting.js';

/**
 * Company alerts and their deliveries (docs/company-alerts.md), and the lead score recompute
 * (docs/lead-score.md). The API processes run them (API_BACKGROUND_JOBS).
 */
export const alerts = {
  dispatchTickMs: setting('ALERTS_DISPATCH_TICK_MS', p.int(0, 60_000), 1_000)`
    How often each API process reads the company activity the writers committed, recomputes lead scores and
    fires company alerts, in milliseconds (0: this process does not; replicas share the work with SKIP
    LOCKED).`,
  scoreDecayTickS: setting('LEAD_SCORE_DECAY_TICK_S', p.int(0, 86_400), 3_600)`
    How often each API process looks for lead scores whose recency part has decayed or whose events have left
    the 90-day window since they were computed (computed over a day ago), and recomputes them in batches, in
    seconds (0: this process does not; replicas share the work, each score is written once per pass).`,
  deliveryConcurrency: setting('ALERTS_DELIVERY_CONCURRENCY', p.int(0, 100), 8)`
    Alert deliveries (webhooks, Slack, email) one API process sends at once (0: this process sends none).`,
  retryDelaysS: setting(
    'ALERTS_RETRY_DELAYS_S',
    p.list().pipe(
      z
        .array(
          z
            .string()
            .regex(/^\d+$/, 'whole seconds')
            .transform(Number)
            .pipe(z.number().int().min(1).max(86_400)),
        )
        .min(1)
        .max(10),
    ),
    [60, 300, 1800, 7200],
  )`
    Waits before the retries of a failed alert delivery, in seconds; after the last one the delivery is dead
    (the delivery log keeps every attempt; an admin can replay it).`,
  timeoutMs: setting('ALERTS_DELIVERY_TIMEOUT_MS', p.int(100, 60_000), 10_000)`
    Longest one webhook or Slack request may take (connect to last byte); past it the attempt has failed.`,
  disableAfterFailures: setting('ALERTS_ENDPOINT_DISABLE_AFTER', p.int(1, 10_000), 20)`
    Failed attempts in a row after which an alert endpoint is disabled and the agency admins are emailed.`,
  allowLoopbackTestOnly: setting('ALERTS_ALLOW_LOOPBACK_RECEIVERS_TEST_ONLY', p.bool(), false)`
    TEST ONLY. Lets alert endpoints point at loopback addresses (127.0.0.0/8, ::1) so tests can run a local
    receiver. Never set it in production: endpoints could then reach services on the Beacon host. Private,
    link-local and metadata addresses stay refused.`,
};
