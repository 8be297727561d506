import { prepared, type Pool } from '@beacon/db';
import { parseSiteConfig } from '@beacon/schema';
import { NotFoundError } from '../http/errors.js';
import * as sql from '../sql/sites.js';
import type { AuthContext, SiteScope } from './types.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SiteRow {
  id: string;
  agency_id: string;
  name: string;
  domain: string;
  script_id: string;
  config: Record<string, unknown> | null;
  status: 'active' | 'paused' | 'deleted';
  created_at: Date;
  updated_at: Date;
  /** bigint: pg answers a string. */
  monthly_event_quota: string | null;
  quota_warning: number | null;
}

export function toSiteScope(row: SiteRow): SiteScope {
  const config = parseSiteConfig(row.config ?? {});
  return {
    id: row.id,
    agencyId: row.agency_id,
    scriptId: row.script_id,
    name: row.name,
    domain: row.domain,
    status: row.status,
    timezone: config.timezone,
    config,
  };
}

/**
 * Whose grants limit the sites the caller sees (the `granted` clause of sql/sites.ts): the user id of
 * a client login with site_access 'selected', else null (admins, API keys and 'all' see every site).
 * Any statement listing or reading sites for a caller passes this.
 */
export function siteLimitOf(auth: AuthContext): string | null {
  return auth.role !== 'admin' && auth.siteAccess === 'selected' ? auth.userId : null;
}

/**
 * THE tenant wall of every site route: `:siteId` (uuid or script_id) is looked up only among the
 * caller's agency's sites. A site of another agency, or none, is the same 404, so a caller cannot
 * even learn that a site exists elsewhere. A client login limited to selected sites gets the same 404
 * for a site of its own agency it was not granted. The route table calls this for every path with
 * `:siteId`, so every site route, export and share-link route obeys it.
 */
export async function resolveSite(pool: Pool, auth: AuthContext, ref: string): Promise<SiteScope> {
  const { rows } = await pool.query<SiteRow>(
    prepared(UUID_RE.test(ref) ? sql.findSiteById : sql.findSiteByScriptId, [
      auth.agencyId,
      ref,
      siteLimitOf(auth),
    ]),
  );
  const row = rows[0];
  // A shared dashboard shows its one site: any other is the same 404 as a site that does not exist.
  if (!row || (auth.share && auth.share.siteId !== row.id)) throw new NotFoundError('site');
  return toSiteScope(row);
}
