import type { Config } from '@beacon/config';
import type { Logger } from '@beacon/observability';
import nodemailer, { type Transporter } from 'nodemailer';

/** One message: always a plain-text part; HTML when the sender has one (inline styles, no remote images). */
export interface Email {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers, e.g. List-Unsubscribe of reports. */
  headers?: Record<string, string>;
}

export interface SendResult {
  sent: boolean;
  messageId?: string;
}

/**
 * Outgoing email through SMTP (nodemailer, `SMTP_URL`, `EMAIL_FROM`). With no SMTP_URL the mailer is
 * off: `send` answers `{sent: false}` and logs the subject and recipient (never the body: it may hold
 * a one-time link), so callers can tell the person asking that nothing went out.
 */
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.transport = config.email.smtpUrl
      ? nodemailer.createTransport(config.email.smtpUrl, { from: config.email.from })
      : null;
  }

  get enabled(): boolean {
    return this.transport !== null;
  }

  /** Sends now; throws when the SMTP server refuses or cannot be reached (callers retry or report it). */
  async send(mail: Email): Promise<SendResult> {
    if (!this.transport) {
      this.logger.warn({ to: mail.to, subject: mail.subject }, 'email not sent: SMTP_URL is not set');
      return { sent: false };
    }
    const info = (await this.transport.sendMail({
      from: this.config.email.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.html ? { html: mail.html } : {}),
      ...(mail.headers ? { headers: mail.headers } : {}),
    })) as { messageId?: string };
    return { sent: true, ...(info.messageId ? { messageId: info.messageId } : {}) };
  }

  /**
   * Sends without making the caller wait (answers that must not reveal, by their timing, whether an
   * account exists): failures are logged with the error.
   */
  sendInBackground(mail: Email, what: string): void {
    this.send(mail).catch((err: unknown) => this.logger.error({ err, what }, 'email could not be sent'));
  }

  close(): void {
    this.transport?.close();
  }
}
