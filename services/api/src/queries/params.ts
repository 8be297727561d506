/**
 * Collects the values of one statement and hands back their `$n` placeholders. Every value that comes
 * from a request goes through here: no request text is ever spliced into SQL.
 */
export class Params {
  readonly values: unknown[] = [];

  /** Adds a value; returns its placeholder (`$3`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
