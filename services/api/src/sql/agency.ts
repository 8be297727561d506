/** Statements on the caller's own agency. $1 is always the caller's agency id. */

/** $1 agency id. Out: the agency (no key material). */
export const findAgency = `
SELECT id, name, email, config, status, created_at, updated_at FROM agencies WHERE id = $1`;

/**
 * $1 agency id, $2 name|null, $3 email|null, $4 config patch (jsonb, top-level merge, null removes a
 * key)|null. Out: the agency.
 */
export const updateAgency = `
UPDATE agencies SET
  name = COALESCE($2, name),
  email = COALESCE($3, email),
  config = CASE WHEN $4::jsonb IS NULL THEN config ELSE jsonb_strip_nulls(COALESCE(config, '{}'::jsonb) || $4::jsonb) END
WHERE id = $1
RETURNING id, name, email, config, status, created_at, updated_at`;
