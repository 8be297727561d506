import type { Response } from 'express';
import type { ExportOutcome } from './metrics.js';

/**
 * Largest single write: a stalled client is noticed by a write that does not drain, so writes are kept
 * small enough that a client reading at a modest pace drains each well within the stall timeout (a
 * fetched batch of 2000 rows is about a megabyte). With the default 15 s, a client taking less than
 * ~4 KB/s is cut.
 */
export const WRITE_SLICE_BYTES = 64 * 1024;

export interface StreamLimits {
  /** The whole download; past it the response is cut. */
  maxDurationMs: number;
  /** Longest wait for one write (WRITE_SLICE_BYTES at most) to drain; past it the response is cut. */
  stallTimeoutMs: number;
}

/**
 * Writes CSV chunks to the response with backpressure and two deadlines. The chunks come from a cursor
 * in an open transaction (queries/export.ts), so a client reading slowly must not keep it open: when a
 * write waits for 'drain' longer than stallTimeoutMs, or the export runs past maxDurationMs, the socket
 * is destroyed (the client sees a truncated download, never a complete-looking file), the loop leaves
 * and the generator's return() rolls back and releases the connection before this resolves.
 */
export async function streamChunks(
  res: Response,
  chunks: AsyncGenerator<string>,
  first: IteratorResult<string>,
  limits: StreamLimits,
): Promise<{ outcome: ExportOutcome; err?: Error }> {
  // Gone already (the client left while the cursor was being declared): nothing will emit 'close'.
  let closed = res.destroyed || res.writableEnded;
  let cut: ExportOutcome | undefined;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  res.on('close', onClose);
  /** Cuts the download; a write waiting for 'drain' is released at once (not only by a 'close'). */
  const stop = (why: ExportOutcome) => {
    cut ??= why;
    res.destroy();
    onClose();
  };
  const deadline = setTimeout(() => stop('deadline'), limits.maxDurationMs);
  const drained = () =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      const stall = setTimeout(() => stop('stalled'), limits.stallTimeoutMs);
      const done = () => {
        clearTimeout(stall);
        res.off('drain', done);
        wake = undefined;
        resolve();
      };
      wake = done;
      res.on('drain', done);
    });
  const write = async (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length && !closed; at += WRITE_SLICE_BYTES)
      if (!res.write(bytes.subarray(at, at + WRITE_SLICE_BYTES))) await drained();
  };
  try {
    if (!first.done && !closed) await write(first.value);
    if (!first.done && !closed)
      for await (const chunk of chunks) {
        if (closed) break; // leaving the loop rolls the cursor back and releases the connection
        await write(chunk);
        if (closed) break;
      }
    if (closed) return { outcome: cut ?? 'client_left' };
    res.end();
    return { outcome: 'complete' };
  } catch (err) {
    res.destroy(err as Error);
    return { outcome: cut ?? 'failed', err: err as Error };
  } finally {
    clearTimeout(deadline);
    res.off('close', onClose);
    // Ends the cursor's transaction and releases its connection whatever happened above (a no-op
    // when the loop ran to its end or left through break).
    await chunks.return(undefined);
  }
}
