-- Goal figures from the per-day aggregates (docs/conversions.md "Speed", docs/query-plans.md "Goal
-- figures from frozen days"): a goal's page pattern or event name is matched once per distinct name in
-- the site's names dictionary (0190), and only the matching names' day rows of the range are read,
-- through the index below, instead of every page row of the range's days. A day row's value_key is
-- hashtextextended(row(value)::text, 0), the dictionary's name_key of the same name.
CREATE INDEX rollup_days_by_value ON rollup_days (site_id, dim, value_key, starts_at);

-- The dictionary held the names of rollup_names only: names of imported days (their rows are written
-- straight into rollup_days) and of days compacted before 0190 (their hourly rows were gone) join it,
-- so that it holds every name of every day row. The import adds its names from now on.
INSERT INTO rollup_name_dict (site_id, kind, name_key, name)
SELECT DISTINCT ON (site_id, dim, value_key) site_id, CASE dim WHEN 'page' THEN 1 ELSE 2 END, value_key, value
FROM rollup_days
WHERE dim IN ('page', 'event')
ORDER BY site_id, dim, value_key
ON CONFLICT (site_id, kind, name_key) DO NOTHING;
