/**
 * Share links of sites (migration 0111). Management statements take the caller's agency and the
 * site resolved by the site scope; the public ones find a link by the hash of its token.
 */

const LINK_COLUMNS = `id, agency_id, site_id, label, password_hash IS NOT NULL AS has_password, expires_at, filters,
  allow_csv, frame_ancestors, created_by, created_at, updated_at, revoked_at`;

/** $1 agency id, $2 site uuid. Out: the site's links, newest first (revoked ones too). */
export const listLinks = `
SELECT ${LINK_COLUMNS} FROM share_links WHERE agency_id = $1 AND site_id = $2
ORDER BY created_at DESC, id`;

/**
 * $1 agency id, $2 site uuid, $3 token hash, $4 label, $5 password hash|null, $6 expires_at|null,
 * $7 filters (jsonb), $8 allow_csv, $9 frame_ancestors (text[]), $10 created_by|null. Out: the link.
 */
export const insertLink = `
INSERT INTO share_links (agency_id, site_id, token_hash, label, password_hash, expires_at, filters, allow_csv, frame_ancestors, created_by)
SELECT $1, s.id, $3, $4, $5, $6, $7::jsonb, $8, $9::text[], $10 FROM sites s WHERE s.agency_id = $1 AND s.id = $2
RETURNING ${LINK_COLUMNS}`;

/**
 * $1 agency id, $2 site uuid, $3 link id, $4 label|null, $5 set expiry (bool), $6 expires_at|null,
 * $7 filters|null, $8 allow_csv|null, $9 frame_ancestors|null. Out: the link (0 rows = none).
 */
export const updateLink = `
UPDATE share_links SET
  label = COALESCE($4, label),
  expires_at = CASE WHEN $5::boolean THEN $6::timestamptz ELSE expires_at END,
  filters = COALESCE($7::jsonb, filters),
  allow_csv = COALESCE($8, allow_csv),
  frame_ancestors = COALESCE($9::text[], frame_ancestors)
WHERE agency_id = $1 AND site_id = $2 AND id = $3 AND revoked_at IS NULL
RETURNING ${LINK_COLUMNS}`;

/** $1 agency id, $2 site uuid, $3 link id. Revokes at once. Out: id (0 rows = none or already revoked). */
export const revokeLink = `
UPDATE share_links SET revoked_at = now()
WHERE agency_id = $1 AND site_id = $2 AND id = $3 AND revoked_at IS NULL RETURNING id`;

// A link is live while not revoked or expired, its site not deleted and its agency active.
const LIVE = `l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > now())
  AND s.status <> 'deleted' AND a.status = 'active'`;

/** $1 token hash. Out: the live link with its password hash and site (0 or 1 row). */
export const findLiveLinkByToken = `
SELECT l.id, l.agency_id, l.site_id, l.label, l.password_hash, l.expires_at, l.filters, l.allow_csv,
  l.frame_ancestors, s.name AS site_name, s.domain AS site_domain, s.script_id, s.config AS site_config
FROM share_links l JOIN sites s ON s.id = l.site_id JOIN agencies a ON a.id = l.agency_id
WHERE l.token_hash = $1 AND ${LIVE}`;

/** Per request made with a share token: $1 link id. Out: the live link's rules (0 rows = refuse). */
export const checkLiveLink = `
SELECT l.agency_id, l.site_id, l.filters, l.allow_csv
FROM share_links l JOIN sites s ON s.id = l.site_id JOIN agencies a ON a.id = l.agency_id
WHERE l.id = $1 AND ${LIVE}`;
