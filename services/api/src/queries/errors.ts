import { HttpError } from '@beacon/schema';

/** A stats request that parses but asks for something impossible (from after to, bad cursor...). → 400. */
export class QueryInputError extends HttpError {
  override readonly name = 'QueryInputError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(400, 'invalid_query', message, details);
  }
}
