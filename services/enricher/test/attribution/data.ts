/**
 * The shared test data next to the repository (../shared/data from the repo root; see its README).
 * The GPL referer-parser test cases are read from there and never copied into the project.
 */
export { SHARED_DATA } from '../fixtures.js';
