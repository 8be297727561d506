/**
 * Statements on sites. Every one takes the caller's agency id and filters on it: the tenant wall is in
 * the SQL itself, not left to the handler.
 */

import { adminSql } from '@beacon/db';

const { SITE_COLUMNS } = adminSql;

/**
 * The per-site access of client logins (migration 0110): `$N` is the user id whose grants limit the
 * sites seen, or NULL for callers who see every site of the agency (admins, API keys, site_access=all).
 */
const granted = (n: number) =>
  `($${n}::uuid IS NULL OR EXISTS (SELECT 1 FROM user_site_access g WHERE g.user_id = $${n}::uuid AND g.site_id = sites.id))`;

/** $1 agency id, $2 site uuid, $3 limiting user id|null. Out: the site (0 or 1 row). */
export const findSiteById = `SELECT ${SITE_COLUMNS} FROM sites WHERE agency_id = $1 AND id = $2 AND ${granted(3)}`;

/** $1 agency id, $2 script_id, $3 limiting user id|null. Out: the site (0 or 1 row). */
export const findSiteByScriptId = `SELECT ${SITE_COLUMNS} FROM sites WHERE agency_id = $1 AND script_id = $2 AND ${granted(3)}`;

/**
 * $1 agency id, $2 statuses (text[]), $3 cursor name (or null), $4 cursor id (or null), $5 limit,
 * $6 limiting user id|null. Out: sites ordered by (lower(name), id), keyset-paged.
 */
export const listSites = `
SELECT ${SITE_COLUMNS} FROM sites
WHERE agency_id = $1 AND status = ANY($2::text[]) AND ${granted(6)}
  AND ($3::text IS NULL OR (lower(name), id) > ($3::text, $4::uuid))
ORDER BY lower(name), id
LIMIT $5`;

/**
 * $1 agency id, $2 site uuid, $3 name|null, $4 domain|null, $5 config patch (jsonb, merged at the top
 * level; a null value removes the key)|null, $6 status|null, $7 monthly_event_quota|null, $8 set the quota
 * (bool). Out: the site (0 rows = not in the agency).
 */
export const updateSite = `
UPDATE sites SET
  name = COALESCE($3, name),
  domain = COALESCE($4, domain),
  config = CASE WHEN $5::jsonb IS NULL THEN config ELSE jsonb_strip_nulls(COALESCE(config, '{}'::jsonb) || $5::jsonb) END,
  status = COALESCE($6, status),
  monthly_event_quota = CASE WHEN $8::boolean THEN $7::bigint ELSE monthly_event_quota END
WHERE agency_id = $1 AND id = $2
RETURNING ${SITE_COLUMNS}`;
