import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Unsubscribe links of report emails: the schedule and the address, signed (HMAC-SHA256 with a key
 * derived from the API secret), so they work without a login and cannot be forged for someone else.
 */
export class UnsubscribeLinks {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('beacon:report-unsubscribe').digest();
  }

  token(scheduleId: string, email: string): string {
    const body = Buffer.from(JSON.stringify([scheduleId, email.toLowerCase()])).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The schedule and email of a genuine token; null otherwise. */
  verify(token: string): { scheduleId: string; email: string } | null {
    const [body, sig] = token.split('.');
    if (!body || !sig) return null;
    const want = Buffer.from(this.sign(body));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    try {
      const v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string')
        return { scheduleId: v[0], email: v[1] };
    } catch {
      // not JSON: refused below
    }
    return null;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
