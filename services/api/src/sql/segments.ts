/**
 * Statements on segments (migrations/0082_segments.sql). Every one takes the site's script_id, which the
 * route's site scope resolved within the caller's agency.
 */
const COLUMNS = `id, site_id, name, filters, created_at, updated_at`;

/** $1 site. Out: the site's segments by name. */
export const listSegments = `SELECT ${COLUMNS} FROM segments WHERE site_id = $1 ORDER BY lower(name), id`;

/** $1 site, $2 segment id. Out: 0 or 1 segment. */
export const findSegment = `SELECT ${COLUMNS} FROM segments WHERE site_id = $1 AND id = $2`;

/** $1 site, $2 name, $3 filters (jsonb), $4 created_by. Out: the segment. */
export const insertSegment = `
INSERT INTO segments (site_id, name, filters, created_by) VALUES ($1, $2, $3::jsonb, $4)
RETURNING ${COLUMNS}`;

/** $1 site, $2 segment id, $3 name, $4 filters. Out: the segment (0 rows: not the site's). */
export const updateSegment = `
UPDATE segments SET name = $3, filters = $4::jsonb WHERE site_id = $1 AND id = $2
RETURNING ${COLUMNS}`;

/** $1 site, $2 segment id. Out: rowCount. */
export const deleteSegment = `DELETE FROM segments WHERE site_id = $1 AND id = $2`;
