import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from '@beacon/db';
import * as sql from '../sql/account.js';

export type LinkPurpose = 'invite' | 'reset';

/** SHA-256 hex of a link token: what the database keeps (a leaked table holds no usable link). */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A new one-time link token for a user (256 random bits, base64url), replacing the user's earlier
 * unused ones of the same purpose. Answers the token (to put in the email, never stored) and expiry.
 */
export async function issueLinkToken(
  db: Pool | PoolClient,
  userId: string,
  purpose: LinkPurpose,
  ttlS: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  await db.query(sql.voidTokens, [userId, purpose]);
  const { rows } = await db.query<{ expires_at: Date }>(sql.insertToken, [
    userId,
    purpose,
    hashLinkToken(token),
    ttlS,
  ]);
  return { token, expiresAt: rows[0]!.expires_at };
}

/** The dashboard page a link opens; the token rides in the fragment (not sent to servers, not in Referer). */
export function setPasswordUrl(dashboardUrl: string, token: string, purpose: LinkPurpose): string {
  const base = dashboardUrl.replace(/\/+$/, '');
  return `${base}/set-password#${new URLSearchParams({ token, purpose }).toString()}`;
}
