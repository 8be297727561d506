import { fixturePath } from '@beacon/testkit';

/** MaxMind's test databases and Beacon's crafted ones, in packages/testkit/fixtures (see its README). */
export const mmTest = (name: string) => fixturePath(`maxmind-test/${name}`);
export const mmCrafted = (name: string) => fixturePath(`maxmind-crafted/${name}`);
