/**
 * Statements on goals (migrations/0080_goals.sql). Every one takes the site's script_id, which the
 * route's site scope resolved within the caller's agency: a goal of another site is never seen.
 */

export const GOAL_COLUMNS = `id, site_id, name, kind, page_pattern, page_regex, event_name, property_key,
  property_value, value_mode, value_amount::text AS value_amount, value_key, created_at, updated_at`;

/** $1 site script_id. Out: the site's goals by name. */
export const listGoals = `SELECT ${GOAL_COLUMNS} FROM goals WHERE site_id = $1 ORDER BY lower(name), id`;

/** $1 site script_id, $2 goal ids (uuid[]). Out: those of the site's goals that exist. */
export const goalsByIds = `SELECT ${GOAL_COLUMNS} FROM goals WHERE site_id = $1 AND id = ANY($2::uuid[])`;

/** $1 site, $2 goal id. Out: 0 or 1 goal. */
export const findGoal = `SELECT ${GOAL_COLUMNS} FROM goals WHERE site_id = $1 AND id = $2`;

/**
 * $1 site, $2 name, $3 kind, $4 page_pattern, $5 page_regex, $6 event_name, $7 property_key,
 * $8 property_value, $9 value_mode, $10 value_amount (text|null), $11 value_key, $12 created_by. Out: the goal.
 */
export const insertGoal = `
INSERT INTO goals (site_id, name, kind, page_pattern, page_regex, event_name, property_key, property_value,
                   value_mode, value_amount, value_key, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11, $12)
RETURNING ${GOAL_COLUMNS}`;

/**
 * $1 site, $2 goal id, then insertGoal's $2..$11 as $3..$12 (every field replaced). Out: the goal (0 rows:
 * not the site's).
 */
export const updateGoal = `
UPDATE goals SET name = $3, kind = $4, page_pattern = $5, page_regex = $6, event_name = $7, property_key = $8,
  property_value = $9, value_mode = $10, value_amount = $11::numeric, value_key = $12
WHERE site_id = $1 AND id = $2
RETURNING ${GOAL_COLUMNS}`;

/** $1 site, $2 goal id. Out: rowCount. */
export const deleteGoal = `DELETE FROM goals WHERE site_id = $1 AND id = $2`;
