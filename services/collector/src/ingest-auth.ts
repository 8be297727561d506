import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { hashIngestToken, INGEST_TOKEN_RE, type Pool } from '@beacon/db';
import { HttpError, UnavailableError } from './errors.js';
import { agencyByKeyPrefix, siteOfAgency, useIngestToken } from './sql/ingest-auth.js';

/** Agency API keys (services/api/src/auth/api-keys.ts): `bk_<8 hex>_<secret>`. */
const API_KEY_RE = /^(bk_[0-9a-f]{8})_[A-Za-z0-9]{16,128}$/;

interface Entry<T> {
  value: T;
  expires: number;
}

/**
 * Who may send server-side hits for which site: a site ingest token (the site is the token's) or an
 * agency API key (any site of the agency, named by site_id). Checks are cached for `ttlMs` (bcrypt
 * costs ~50 ms by design; a token lookup is a query), so a revoked token or rotated key stops within
 * that time. Every failure is a 401 or 403 with a stable code.
 */
export class IngestAuth {
  private readonly tokens = new Map<string, Entry<string | null>>();
  private readonly keys = new Map<string, Entry<{ agencyId: string; digest: Buffer } | null>>();
  private readonly agencySites = new Map<string, Entry<boolean>>();
  private readonly wrongKeys = new Map<string, Entry<true>>();

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  /** The credential of a request: `Authorization: Bearer <token>` (or a given secret for the compatible intakes). */
  static bearer(header: string | undefined): string | null {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    return m ? m[1]! : null;
  }

  /**
   * The script_id the credential may send for. `siteId` (from the body) is required with an API key
   * and, with a token, must name the token's site when given.
   */
  async siteFor(credential: string | null, siteId: unknown): Promise<string> {
    if (!credential)
      throw new HttpError(
        401,
        'unauthorized',
        'send Authorization: Bearer <site ingest token or agency API key>',
      );
    if (INGEST_TOKEN_RE.test(credential)) {
      const scriptId = await this.token(credential);
      if (!scriptId) throw new HttpError(401, 'invalid_token', 'unknown or revoked ingest token');
      if (siteId !== undefined && siteId !== null && siteId !== scriptId)
        throw new HttpError(403, 'site_mismatch', 'the ingest token belongs to another site than site_id');
      return scriptId;
    }
    const m = API_KEY_RE.exec(credential);
    if (!m) throw new HttpError(401, 'invalid_token', 'not an ingest token (bit_...) or API key (bk_...)');
    const agencyId = await this.apiKey(m[1]!, credential);
    if (!agencyId) throw new HttpError(401, 'invalid_token', 'invalid API key or inactive agency');
    if (typeof siteId !== 'string' || siteId === '')
      throw new HttpError(400, 'invalid_site_id', 'site_id (the script_id) is required with an API key');
    if (!(await this.ownsSite(agencyId, siteId)))
      // The same answer for another agency's site and for no site: nothing to learn by probing.
      throw new HttpError(404, 'unknown_site', `no site of this agency has script_id ${siteId}`);
    return siteId;
  }

  private async token(token: string): Promise<string | null> {
    const hash = hashIngestToken(token);
    return this.cached(this.tokens, hash, async () => {
      const { rows } = await this.query<{ script_id: string }>(useIngestToken, [hash]);
      return rows[0]?.script_id ?? null;
    });
  }

  private async apiKey(prefix: string, key: string): Promise<string | null> {
    const digest = createHash('sha256').update(key).digest();
    const hit = this.keys.get(prefix);
    if (hit && hit.expires > Date.now()) {
      // Only the exact key that bcrypt accepted is remembered.
      if (hit.value && timingSafeEqual(hit.value.digest, digest)) return hit.value.agencyId;
      if (hit.value === null) return null;
    }
    const wrong = this.wrongKeys.get(digest.toString('hex'));
    if (wrong && wrong.expires > Date.now()) return null;
    const { rows } = await this.query<{ id: string; api_key: string; status: string | null }>(
      agencyByKeyPrefix,
      [prefix],
    );
    const row = rows[0];
    const ok = row ? await bcrypt.compare(key, row.api_key) : false;
    const value = ok && (row!.status ?? 'active') === 'active' ? { agencyId: row!.id, digest } : null;
    // A wrong key for a known prefix is remembered by its own digest, not by the prefix (that would
    // shadow the right key): repeating a wrong key costs no bcrypt within the TTL.
    if (value || !row) this.remember(this.keys, prefix, value);
    else this.remember(this.wrongKeys, digest.toString('hex'), true);
    return value?.agencyId ?? null;
  }

  private ownsSite(agencyId: string, scriptId: string): Promise<boolean> {
    return this.cached(this.agencySites, `${agencyId}:${scriptId}`, async () => {
      const { rows } = await this.query(siteOfAgency, [scriptId, agencyId]);
      return rows.length > 0;
    });
  }

  private async cached<T>(map: Map<string, Entry<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = await load();
    this.remember(map, key, value);
    return value;
  }

  private remember<T>(map: Map<string, Entry<T>>, key: string, value: T): void {
    map.delete(key);
    if (map.size >= this.max) map.delete(map.keys().next().value!);
    map.set(key, { value, expires: Date.now() + this.ttlMs });
  }

  private async query<R extends object>(text: string, values: unknown[]) {
    try {
      return await this.pool.query<R & import('pg').QueryResultRow>(text, values);
    } catch (err) {
      throw new UnavailableError(
        'db_down',
        'credentials could not be checked (database unavailable); retry later',
        err as Error,
      );
    }
  }

  clear(): void {
    this.tokens.clear();
    this.keys.clear();
    this.agencySites.clear();
    this.wrongKeys.clear();
  }
}
