import { randomBytes, randomInt } from 'node:crypto';
import bcrypt from 'bcryptjs';

const BCRYPT_ROUNDS = 10;
const ALPHANUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** A site's public tracking id: 12 lower-case letters and digits, like the seed's 'abc123def456'. */
export function newScriptId(): string {
  return randomString(ALPHANUM, 12);
}

export interface ApiKey {
  /** The whole key, shown once: bk_<prefix>_<secret>. */
  key: string;
  /** Non-secret lookup part stored in clear (agencies.api_key_prefix). */
  prefix: string;
  /** bcrypt hash of the whole key (agencies.api_key). */
  hash: string;
}

export async function newApiKey(): Promise<ApiKey> {
  const prefix = `bk_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomString(BASE62, 32)}`;
  return { key, prefix, hash: await bcrypt.hash(key, BCRYPT_ROUNDS) };
}

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}
