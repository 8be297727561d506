import { Queue, Worker, type Job } from 'bullmq';
import type { Config } from '@beacon/config';
import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import { queuePrefixFor, type RedisClient } from '@beacon/queue';
import type { Mailer } from '../email/mailer.js';
import { actionEmail } from '../email/templates.js';
import { agencyDashboardUrl } from '../email/links.js';
import * as sql from '../sql/company-alerts.js';
import type { Delivery } from './dispatcher.js';
import type { AlertMetrics } from '@beacon/observability';
import {
  alertEmail,
  envelope,
  slackMessage,
  type CompanyAlert,
  type CompanyAlertPayload,
} from './payload.js';
import { safePostJson, type PostResult } from './safe-post.js';
import { SIGNATURE_HEADER, signatureHeader } from './signing.js';

/** The BullMQ queue of alert deliveries (one job per delivery and replay generation). */
export const ALERTS_QUEUE = 'company-alerts';

export interface DeliveryDeps {
  config: Config;
  pool: Pool;
  logger: Logger;
  metrics: AlertMetrics;
  mailer: Mailer;
}

interface AttemptRow {
  id: string;
  attempts: number;
  alert_id: string;
  payload: CompanyAlertPayload;
  alert_created_at: Date;
  endpoint_id: string;
  agency_id: string;
  endpoint_name: string;
  kind: 'webhook' | 'slack' | 'email';
  url: string | null;
  recipients: string[] | null;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  enabled: boolean;
}

const jobId = (d: Delivery) => `${d.id}-${d.generation}`;

/**
 * Sends alert deliveries from the `company-alerts` queue: a webhook (signed JSON, Idempotency-Key =
 * the alert id), a Slack incoming webhook or email. A failed attempt is retried after
 * ALERTS_RETRY_DELAYS_S (BullMQ custom backoff); after the last it is dead. Every attempt is logged
 * (status, error, latency); ALERTS_ENDPOINT_DISABLE_AFTER failures in a row disable the endpoint and
 * email the agency's admins.
 */
export class AlertDelivery {
  readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(
    private readonly d: DeliveryDeps,
    private readonly redis: RedisClient,
  ) {
    this.queue = new Queue(ALERTS_QUEUE, {
      connection: redis,
      prefix: queuePrefixFor(d.config.core, ALERTS_QUEUE),
    });
    this.queue.on('error', (err) => d.logger.debug({ err }, 'alert queue error'));
  }

  async enqueue(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const delays = this.d.config.alerts.retryDelaysS;
    await this.queue.addBulk(
      deliveries.map((x) => ({
        name: 'deliver',
        data: x,
        opts: {
          jobId: jobId(x),
          attempts: delays.length + 1,
          backoff: { type: 'alert' },
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }

  /** Starts consuming (ALERTS_DELIVERY_CONCURRENCY > 0). */
  start(workerRedis: RedisClient): void {
    const c = this.d.config.alerts;
    if (c.deliveryConcurrency === 0) return;
    this.worker = new Worker(ALERTS_QUEUE, (job: Job<Delivery>) => this.attempt(job), {
      connection: workerRedis,
      prefix: queuePrefixFor(this.d.config.core, ALERTS_QUEUE),
      concurrency: c.deliveryConcurrency,
      drainDelay: 1,
      settings: {
        backoffStrategy: (made: number) => (c.retryDelaysS[made - 1] ?? c.retryDelaysS.at(-1)!) * 1000,
      },
    });
    this.worker.on('error', (err) => this.d.logger.warn({ err }, 'alert delivery worker error'));
  }

  async close(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }

  /** One attempt of one delivery; throws to have BullMQ retry it later. */
  private async attempt(job: Job<Delivery>): Promise<void> {
    const { pool, metrics, config } = this.d;
    const row = (await pool.query<AttemptRow>(sql.beginAttempt, [job.data.id, job.data.generation])).rows[0];
    if (!row) return; // delivered, dead, or replayed under a newer generation
    if (!row.enabled) {
      await pool.query(sql.markDead, [row.id]);
      return;
    }
    const alert = envelope(row.alert_id, row.alert_created_at, row.payload);
    const r = await this.send(row, alert);
    await pool.query(sql.logAttempt, [row.id, row.attempts, r.status, r.error, r.latencyMs]);
    if (r.error === null) {
      await pool.query(sql.markDelivered, [row.id, row.endpoint_id]);
      metrics.deliveries.inc({ kind: row.kind, result: 'delivered' });
      metrics.latency.observe((Date.now() - Date.parse(alert.activity.last_at)) / 1000);
      return;
    }
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const { disabled_now } = (
      await pool.query<{ disabled_now: boolean }>(sql.markFailed, [
        row.id,
        final,
        row.endpoint_id,
        config.alerts.disableAfterFailures,
      ])
    ).rows[0] ?? { disabled_now: false };
    metrics.deliveries.inc({ kind: row.kind, result: final ? 'dead' : 'failed' });
    if (disabled_now) await this.noticeDisabled(row);
    if (!final) throw new Error(`alert delivery failed: ${r.error}`);
  }

  private async send(row: AttemptRow, alert: CompanyAlert): Promise<PostResult> {
    const c = this.d.config.alerts;
    const post = { allowLoopback: c.allowLoopbackTestOnly, timeoutMs: c.timeoutMs };
    if (row.kind === 'slack') return safePostJson(row.url!, JSON.stringify(slackMessage(alert)), {}, post);
    if (row.kind === 'email') return this.sendEmail(row, alert);
    const body = JSON.stringify(alert);
    const secrets = [row.secret!];
    if (row.previous_secret && row.previous_secret_until && row.previous_secret_until > new Date())
      secrets.push(row.previous_secret);
    return safePostJson(
      row.url!,
      body,
      {
        [SIGNATURE_HEADER]: signatureHeader(secrets, Math.floor(Date.now() / 1000), body),
        'Idempotency-Key': alert.id,
        'Beacon-Delivery': row.id,
      },
      post,
    );
  }

  private async sendEmail(row: AttemptRow, alert: CompanyAlert): Promise<PostResult> {
    const started = performance.now();
    const mail = alertEmail(alert, alert.site.name);
    try {
      for (const to of row.recipients ?? []) {
        const r = await this.d.mailer.send({ to, ...mail, headers: { 'X-Beacon-Alert': alert.id } });
        if (!r.sent) throw new Error('SMTP_URL is not set');
      }
      return { status: null, error: null, latencyMs: Math.round(performance.now() - started) };
    } catch (err) {
      return {
        status: null,
        error: (err as Error).message,
        latencyMs: Math.round(performance.now() - started),
      };
    }
  }

  private async noticeDisabled(row: AttemptRow): Promise<void> {
    const { pool, logger, mailer, config } = this.d;
    logger.warn({ endpoint: row.endpoint_id }, 'alert endpoint disabled after repeated failures');
    const admins = (await pool.query<{ email: string }>(sql.agencyAdmins, [row.agency_id])).rows;
    const base = await agencyDashboardUrl(pool, config.email.dashboardPublicUrl, row.agency_id);
    const url = `${base}/settings/sites/${row.payload.site.id}/alerts`;
    const mail = actionEmail({
      brand: row.payload.site.name,
      heading: `Alert endpoint "${row.endpoint_name}" was disabled`,
      paragraphs: [
        `Its last ${config.alerts.disableAfterFailures} delivery attempts failed in a row, so Beacon stopped sending to it.`,
        'Check the delivery log, fix the receiver, then enable the endpoint again and replay what it missed.',
      ],
      action: { label: 'Open the alert settings', url },
      footer: 'You get this because you are an admin of this agency in Beacon.',
    });
    for (const a of admins)
      mailer.sendInBackground(
        { to: a.email, subject: `Alert endpoint "${row.endpoint_name}" disabled`, ...mail },
        'endpoint disabled notice',
      );
  }
}
