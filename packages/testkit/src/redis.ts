import { randomBytes } from 'node:crypto';

/** A BullMQ prefix unique to one test, so tests never see each other's queues. */
export function uniquePrefix(label = 't'): string {
  return `beacon-test-${label}-${randomBytes(4).toString('hex')}`;
}
