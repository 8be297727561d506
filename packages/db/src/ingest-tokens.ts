import { createHash, randomBytes } from 'node:crypto';

/**
 * Site ingest tokens (migration 0100): `bit_` + 32 random bytes in base64url. Made by the API and the
 * CLI, checked by the collector; only the SHA-256 is stored (32 random bytes need no slow hash).
 */
export const INGEST_TOKEN_RE = /^bit_[A-Za-z0-9_-]{43}$/;

export const hashIngestToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function newIngestToken(): { token: string; hash: string; prefix: string } {
  const token = `bit_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashIngestToken(token), prefix: token.slice(0, 12) };
}

/** A token as ingestTokenSql answers it (never its hash). */
export interface IngestTokenRow {
  id: string;
  name: string;
  token_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
