/** Lead scores (migration 0150, docs/lead-score.md). Site-scoped statements take the site's script_id. */

const SETTINGS_COLUMNS = `intent_pages, intent_goal_ids, fit_industries, fit_sizes, fit_countries, updated_at`;

/** $1 script_id. Out: the site's score settings (no row: defaults, nothing configured). */
export const getSettings = `
SELECT ${SETTINGS_COLUMNS}, intent_regexes FROM lead_score_settings WHERE site_id = $1`;

/**
 * $1 script_id, $2 intent_pages, $3 intent_regexes, $4 intent_goal_ids (only the site's own goals are
 * kept), $5 fit_industries, $6 fit_sizes, $7 fit_countries. Out: the settings.
 */
export const putSettings = `
INSERT INTO lead_score_settings (site_id, intent_pages, intent_regexes, intent_goal_ids, fit_industries, fit_sizes, fit_countries)
VALUES ($1::text, $2::text[], $3::text[],
        ARRAY(SELECT g.id FROM goals g WHERE g.site_id = $1::text AND g.id = ANY($4::uuid[]) ORDER BY g.id),
        $5::text[], $6::text[], $7::text[])
ON CONFLICT (site_id) DO UPDATE SET intent_pages = EXCLUDED.intent_pages, intent_regexes = EXCLUDED.intent_regexes,
  intent_goal_ids = EXCLUDED.intent_goal_ids, fit_industries = EXCLUDED.fit_industries,
  fit_sizes = EXCLUDED.fit_sizes, fit_countries = EXCLUDED.fit_countries
RETURNING ${SETTINGS_COLUMNS}`;

/** $1 script_id, $2 goal ids. Out: the goals rows (as the goal conditions need them). */
export const intentGoals = `
SELECT id, name, kind, page_pattern, page_regex, event_name, property_key, property_value,
       value_mode, value_amount, value_key
FROM goals WHERE site_id = $1 AND id = ANY($2::uuid[])`;

/**
 * The facts of one company on one site since a time (bots left out). In: $1 script_id, $2 domain,
 * $3 since, $4 intent regexes, $5 seen-before limit; `goals` is an OR of goal conditions on alias e
 * (or FALSE), built with its own parameters after these. Out: sessions, page_views, seconds,
 * active_days, first_seen, last_seen, intent_views, goal_conversions, country (most frequent),
 * first_ever (first event of the company on the site), seen_before (an event before $5).
 */
export const companyFacts = (goals: string) => `
SELECT count(DISTINCT e.session_id)::int AS sessions,
       count(*) FILTER (WHERE e.event_name = 'page_view')::int AS page_views,
       coalesce(sum(e.time_on_page), 0)::int AS seconds,
       count(DISTINCT (e.server_timestamp AT TIME ZONE 'UTC')::date)::int AS active_days,
       min(e.server_timestamp) AS first_seen,
       max(e.server_timestamp) AS last_seen,
       count(*) FILTER (WHERE e.event_name = 'page_view' AND e.page_path ~ ANY($4::text[]))::int AS intent_views,
       count(*) FILTER (WHERE ${goals})::int AS goal_conversions,
       mode() WITHIN GROUP (ORDER BY e.country) AS country,
       (SELECT min(f.server_timestamp) FROM events f
         WHERE f.site_id = $1 AND f.company_domain = $2 AND f.visitor_type IS DISTINCT FROM 'bot') AS first_ever,
       EXISTS (SELECT 1 FROM events b WHERE b.site_id = $1 AND b.company_domain = $2
                 AND b.server_timestamp < $5 AND b.visitor_type IS DISTINCT FROM 'bot') AS seen_before
FROM events e
WHERE e.site_id = $1 AND e.company_domain = $2 AND e.server_timestamp >= $3
  AND e.visitor_type IS DISTINCT FROM 'bot'`;

/**
 * $1 script_id, $2 domain, $3 score, $4 engagement, $5 intent, $6 fit, $7 parts, $8 first_seen,
 * $9 last_seen, $10 computed_at. Stores the score; then `upsertScoreDay` (in that order, in the same
 * transaction: the score row is locked before the history row, as in the decay recompute, which holds
 * the score rows it claimed, so the two cannot deadlock; and each statement touches one table of one
 * site, a router query on Citus).
 */
export const upsertScore = `
INSERT INTO company_scores (site_id, domain, score, engagement, intent, fit, parts, first_seen, last_seen, computed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
ON CONFLICT (site_id, domain) DO UPDATE SET score = EXCLUDED.score, engagement = EXCLUDED.engagement,
  intent = EXCLUDED.intent, fit = EXCLUDED.fit, parts = EXCLUDED.parts, first_seen = EXCLUDED.first_seen,
  last_seen = EXCLUDED.last_seen, computed_at = EXCLUDED.computed_at`;

/** $1 script_id, $2 domain, $3 score, $4 engagement, $5 intent, $6 fit, $7 computed_at: the day's history row. */
export const upsertScoreDay = `
INSERT INTO company_score_history (site_id, domain, day, score, engagement, intent, fit)
VALUES ($1, $2, ($7::timestamptz AT TIME ZONE 'UTC')::date, $3, $4, $5, $6)
ON CONFLICT (site_id, domain, day) DO UPDATE SET score = EXCLUDED.score, engagement = EXCLUDED.engagement,
  intent = EXCLUDED.intent, fit = EXCLUDED.fit`;

/** $1 script_id, $2 domain. Out: the current score of the company, or no row. */
export const scoreOf = `
SELECT score, engagement, intent, fit, parts, first_seen, last_seen, computed_at
FROM company_scores WHERE site_id = $1 AND domain = $2`;

/** $1 script_id, $2 domain, $3 days. Out: the daily history, oldest first. */
export const scoreHistory = `
SELECT to_char(day, 'YYYY-MM-DD') AS day, score, engagement, intent, fit
FROM company_score_history WHERE site_id = $1 AND domain = $2 AND day >= current_date - $3::int
ORDER BY day`;

/** $1 script_id, $2 domain, $3 since. Out: the company's most viewed pages (at most 20). */
export const pagesSeen = `
SELECT e.page_path AS path, count(*)::int AS views
FROM events e
WHERE e.site_id = $1 AND e.company_domain = $2 AND e.server_timestamp >= $3
  AND e.event_name = 'page_view' AND e.page_path IS NOT NULL AND e.visitor_type IS DISTINCT FROM 'bot'
GROUP BY e.page_path ORDER BY count(*) DESC, e.page_path LIMIT 20`;

// ---- decay recompute (docs/lead-score.md, "Scores of companies that stopped visiting")

/**
 * Scores that time has changed since they were computed ($1 now): computed before $2 (over a day ago)
 * and either with a recency part above 0 then (last seen less than $3 days before) or with events
 * that have left the $4-day window since (first seen before it, while some event was in the window
 * at the time). A score recomputed now meets neither, so it is not due again until time moves on.
 */
const DUE = `cs.computed_at < $2::timestamptz
  AND (cs.last_seen > cs.computed_at - make_interval(days => $3::int)
       OR (cs.first_seen < $1::timestamptz - make_interval(days => $4::int)
           AND cs.last_seen >= cs.computed_at - make_interval(days => $4::int)))`;

/**
 * $1 now, $2 computed before, $3 recency days, $4 window days, $5 limit. Out: site_id of active sites
 * with due scores, the longest waiting first (a read without row locks: it may span shards).
 */
export const decaySites = `
SELECT cs.site_id FROM company_scores cs
JOIN sites s ON s.script_id = cs.site_id AND s.status = 'active'
JOIN agencies a ON a.id = s.agency_id AND a.status = 'active'
WHERE ${DUE} GROUP BY cs.site_id ORDER BY min(cs.computed_at) LIMIT $5`;

/** $1 script_id, $2 domain: the current score goes (its events are erased, or the agency says "not a company"). */
export const dropScore = `DELETE FROM company_scores WHERE site_id = $1 AND domain = $2`;

/**
 * Claims up to $5 due scores of site $6 (as decaySites; SKIP LOCKED: another replica, or the
 * dispatcher scoring a visit of that company, has it). One site per statement, for Citus.
 * Out: domain, first_seen, last_seen.
 */
export const claimDecayed = `
SELECT cs.domain, cs.first_seen, cs.last_seen FROM company_scores cs
WHERE cs.site_id = $6::text AND ${DUE}
ORDER BY cs.computed_at LIMIT $5 FOR UPDATE SKIP LOCKED`;
