/** White-label per agency (migrations 0114, 0180). */

const BRANDING_COLUMNS = `display_name, primary_color, hide_powered_by, hostname, logo_type, octet_length(logo) AS logo_bytes, updated_at`;

/** $1 agency id. Out: the branding without the logo bytes (0 or 1 row). */
export const findBranding = `SELECT ${BRANDING_COLUMNS} FROM agency_branding WHERE agency_id = $1`;

/**
 * $1 agency id, $2 display_name|null, $3 set name (bool), $4 primary_color|null, $5 set colour (bool),
 * $6 hide_powered_by|null, $7 hostname|null, $8 set hostname (bool). Out: the branding. A hostname
 * another agency has fails on uq_agency_branding_hostname (23505).
 */
export const upsertBranding = `
INSERT INTO agency_branding (agency_id, display_name, primary_color, hide_powered_by, hostname)
VALUES ($1, $2, $4, COALESCE($6, false), $7)
ON CONFLICT (agency_id) DO UPDATE SET
  display_name = CASE WHEN $3::boolean THEN $2 ELSE agency_branding.display_name END,
  primary_color = CASE WHEN $5::boolean THEN $4 ELSE agency_branding.primary_color END,
  hide_powered_by = COALESCE($6, agency_branding.hide_powered_by),
  hostname = CASE WHEN $8::boolean THEN $7 ELSE agency_branding.hostname END
RETURNING ${BRANDING_COLUMNS}`;

/** $1 agency id, $2 logo bytes|null, $3 logo type|null. Sets or removes the logo. */
export const setLogo = `
INSERT INTO agency_branding (agency_id, logo, logo_type) VALUES ($1, $2, $3)
ON CONFLICT (agency_id) DO UPDATE SET logo = $2, logo_type = $3`;

/** The brand others see (share views, the login page of the agency's hostname): name, colour, logo. */
const BRAND = `
SELECT COALESCE(b.display_name, a.name) AS name, b.primary_color, COALESCE(b.hide_powered_by, false) AS hide_powered_by,
  b.logo, b.logo_type, b.hostname
FROM agencies a LEFT JOIN agency_branding b ON b.agency_id = a.id`;

/** $1 agency id. Out: the agency's brand (0 or 1 row). */
export const brandOfAgency = `${BRAND} WHERE a.id = $1`;

/** $1 hostname (lower case). Out: the brand of the active agency with that dashboard hostname (0 or 1 row). */
export const brandOfHostname = `${BRAND} WHERE b.hostname = $1 AND a.status = 'active'`;

/** $1 agency id. Out: its dashboard hostname (0 rows or null: none). */
export const hostnameOfAgency = `SELECT hostname FROM agency_branding WHERE agency_id = $1`;
