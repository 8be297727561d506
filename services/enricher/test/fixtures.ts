import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared test data folder (sibling of the repository checkout: ../shared/data). */
export const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

export function sharedJson<T>(rel: string): T {
  return JSON.parse(readFileSync(`${SHARED_DATA}${rel}`, 'utf8')) as T;
}

export const mmTest = (name: string) => `${SHARED_DATA}maxmind-test/${name}`;
export const mmCrafted = (name: string) => `${SHARED_DATA}maxmind-crafted/${name}`;
