/**
 * Waits for `work`, but no longer than `ms`: resolves true when it settled in time (fulfilled or
 * rejected: the caller already handles its outcome), false when the deadline came first (`onLate` is
 * called then). The timer never keeps the process alive.
 */
export async function withinDeadline(
  work: Promise<unknown>,
  ms: number,
  onLate?: () => void,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  const done = work.then(
    () => true as const,
    () => true as const,
  );
  const inTime = await Promise.race([done, late]);
  clearTimeout(timer);
  if (!inTime) onLate?.();
  return inTime;
}

/** One step of a shutdown: a name for the log and the work. */
export type CloseStep = readonly [name: string, run: () => unknown];

/**
 * A service's close(): runs `steps` in order, once (later calls get the same promise). A step that
 * throws is logged and the next ones still run, so one broken connection does not leave the others
 * open; the returned promise then rejects with the first failure.
 */
export function closeSequence(
  log: { error(obj: object, msg: string): void },
  steps: readonly CloseStep[],
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const run = async () => {
    let first: unknown;
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.error({ err, step: name }, 'a shutdown step failed; going on with the next');
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  };
  return () => (closing ??= run());
}
