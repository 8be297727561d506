/**
 * Analytics queries of the API: one small builder (params, range, filters, scope) and named statement
 * modules per question (statements/*.ts). Routes call the functions of stats.ts / export.ts.
 */
export * from './stats.js';
export * from './traffic.js';
export * from './companies.js';
export * from './schemas.js';
export { exportStatement, csvChunks } from './export.js';
export { QueryInputError } from './errors.js';
export { DIMENSIONS, DIMENSION_NAMES, type DimensionName } from './dimensions.js';
export { FILTER_KEYS, FILTER_COLUMNS, NONE, type Filters } from './filters.js';
export { resolveRange, type ResolvedRange } from './range.js';
export { resolveSaved, goalsOfSite } from './saved.js';
