import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe style: `Beacon-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`, where
 * each v1 is HMAC-SHA256 of `<t>.<raw body>` with one of the endpoint's secrets (two during a
 * rotation's grace period). A receiver recomputes it with its secret, compares in constant time, and
 * refuses a t too far from its clock (replays).
 */
export const SIGNATURE_HEADER = 'Beacon-Signature';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signPayload(s, timestamp, body)}`)].join(',');
}

/** What a receiver does (docs/company-alerts.md shows the same in a few lines). */
export function verifySignature(
  header: string,
  secret: string,
  body: string,
  now: number,
  toleranceS = 300,
): boolean {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isFinite(t) || Math.abs(now - t) > toleranceS) return false;
  const want = Buffer.from(signPayload(secret, t, body), 'hex');
  return parts.some(
    ([k, v]) => k === 'v1' && v.length === want.length * 2 && timingSafeEqual(Buffer.from(v, 'hex'), want),
  );
}
