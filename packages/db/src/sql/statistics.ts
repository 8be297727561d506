/** The rollup tables the dashboards read (one list for both statements below). */
const ROLLUP_TABLES = 'rollup_sessions, rollup_names, rollup_name_dict, rollup_days';

/**
 * Planner statistics of the tables the dashboards read. After a bulk load (the demo's history, an
 * import) they describe the tables as they were before it until autovacuum analyzes them, which it does
 * a minute or more later, or never where it is switched off. Without them the planner takes the
 * rollup tables for a row each and joins the converting sessions of a goal by a nested loop: the
 * overview with a conversion goal took 3 s per panel on the fresh demo site, 26 ms with statistics.
 * ANALYZE of a partitioned table also analyzes its partitions; it reads a sample (30,000 rows a table).
 */
export const analyzeReadTables = `
ANALYZE events, ${ROLLUP_TABLES}`;

/**
 * The rollup tables alone, after `beacon rollups rebuild` or `freeze` wrote them in bulk (events did
 * not change). On the 12M-event site of the rollups benchmark, right after a rebuild, the names
 * dictionary had never been analyzed (taken for one row): a top-pages statement that joined it to the
 * pages' counts (tried, not kept) was planned as a nested loop over the whole aggregate, once per name
 * (over 30 s); the goal figures read it too.
 */
export const analyzeRollupTables = `
ANALYZE ${ROLLUP_TABLES}`;
