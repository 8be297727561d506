/**
 * Polls `fn` until it answers something (not undefined, null or false) and answers that; throws
 * "timed out waiting for <what>" after `timeoutMs`. For what a test cannot be told about: a job a
 * worker finishes, a row another process writes. `what` may be a function, read at the timeout (to
 * say what was seen last). With `ignoreErrors`, an error of `fn` counts as "not yet" (a service still
 * starting, a node being failed over) and the last one is named in the timeout's message.
 */
export async function waitFor<T>(
  what: string | (() => string | Promise<string>),
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  {
    timeoutMs = 15_000,
    intervalMs = 50,
    ignoreErrors = false,
  }: { timeoutMs?: number; intervalMs?: number; ignoreErrors?: boolean } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (err) {
      if (!ignoreErrors) throw err;
      lastError = err;
    }
    if (Date.now() > until) {
      const label = typeof what === 'function' ? await what() : what;
      const last = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}${last}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
