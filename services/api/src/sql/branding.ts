/** White-label per agency (migration 0114). Each statement takes the agency id. */

/** $1 agency id. Out: the branding without the logo bytes (0 or 1 row). */
export const findBranding = `
SELECT display_name, primary_color, hide_powered_by, logo_type, octet_length(logo) AS logo_bytes, updated_at
FROM agency_branding WHERE agency_id = $1`;

/**
 * $1 agency id, $2 display_name|null, $3 set name (bool), $4 primary_color|null, $5 set colour (bool),
 * $6 hide_powered_by|null. Out: the branding.
 */
export const upsertBranding = `
INSERT INTO agency_branding (agency_id, display_name, primary_color, hide_powered_by)
VALUES ($1, $2, $4, COALESCE($6, false))
ON CONFLICT (agency_id) DO UPDATE SET
  display_name = CASE WHEN $3::boolean THEN $2 ELSE agency_branding.display_name END,
  primary_color = CASE WHEN $5::boolean THEN $4 ELSE agency_branding.primary_color END,
  hide_powered_by = COALESCE($6, agency_branding.hide_powered_by)
RETURNING display_name, primary_color, hide_powered_by, logo_type, octet_length(logo) AS logo_bytes, updated_at`;

/** $1 agency id, $2 logo bytes|null, $3 logo type|null. Sets or removes the logo. */
export const setLogo = `
INSERT INTO agency_branding (agency_id, logo, logo_type) VALUES ($1, $2, $3)
ON CONFLICT (agency_id) DO UPDATE SET logo = $2, logo_type = $3`;

/** $1 agency id. Out: logo, logo_type, updated_at (0 rows or null logo = none). */
export const findLogo = `SELECT logo, logo_type, updated_at FROM agency_branding WHERE agency_id = $1`;
