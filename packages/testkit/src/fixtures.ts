import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The test data every test and benchmark reads: packages/testkit/fixtures, inside the repository (origins,
 * versions and licences in its README). Resolved from this module, so it works from src/ and dist/.
 */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Absolute path of a fixture file, e.g. fixturePath('maxmind-test/GeoIP2-City-Test.mmdb'). */
export function fixturePath(rel: string): string {
  return `${FIXTURES_DIR}${rel}`;
}

/** A JSON fixture, parsed. */
export function fixtureJson<T>(rel: string): T {
  return JSON.parse(readFileSync(fixturePath(rel), 'utf8')) as T;
}
