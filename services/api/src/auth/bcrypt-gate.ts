import { BcryptGate as SharedGate } from '@beacon/auth';
import { HttpError } from '@beacon/schema';

/** The shared bcrypt door (packages/auth) answering with the API's 503 + Retry-After when it is full. */
export class BcryptGate extends SharedGate {
  constructor(concurrency: number, queueMax: number, onRefused?: () => void) {
    super(
      concurrency,
      queueMax,
      onRefused,
      (message) => new HttpError(503, 'unavailable', message, { retry_after_s: 1 }, { 'retry-after': '1' }),
    );
  }
}
