/**
 * Statements on funnels (migrations/0083_funnels.sql). Every one takes the site's script_id, which the
 * route's site scope resolved within the caller's agency.
 */
const COLUMNS = `id, site_id, name, steps, window_mode, window_days, direct, created_at, updated_at`;

/** $1 site. Out: the site's funnels by name. */
export const listFunnels = `SELECT ${COLUMNS} FROM funnels WHERE site_id = $1 ORDER BY lower(name), id`;

/** $1 site, $2 funnel id. Out: 0 or 1 funnel. */
export const findFunnel = `SELECT ${COLUMNS} FROM funnels WHERE site_id = $1 AND id = $2`;

/** $1 site, $2 name, $3 steps (jsonb), $4 window_mode, $5 window_days, $6 direct, $7 created_by. Out: the funnel. */
export const insertFunnel = `
INSERT INTO funnels (site_id, name, steps, window_mode, window_days, direct, created_by)
VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
RETURNING ${COLUMNS}`;

/** $1 site, $2 funnel id, $3 name, $4 steps, $5 window_mode, $6 window_days, $7 direct. Out: the funnel or no row. */
export const updateFunnel = `
UPDATE funnels SET name = $3, steps = $4::jsonb, window_mode = $5, window_days = $6, direct = $7
WHERE site_id = $1 AND id = $2
RETURNING ${COLUMNS}`;

/** $1 site, $2 funnel id. Out: rowCount. */
export const deleteFunnel = `DELETE FROM funnels WHERE site_id = $1 AND id = $2`;
