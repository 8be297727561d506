import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { REDIS_URL } from './env.js';
import { waitFor } from './wait.js';

/**
 * Makes BullMQ fail a job the way it does after a worker died holding it too often (past
 * maxStalledCount): a holder takes the job and dies (its lock is never renewed), and a stalled check
 * that allows no stall marks it to fail (the next worker to take it fails it for good). Answers the
 * id of the job the holder took, for the caller to check it is the one it meant.
 */
export async function failByStalling(queue: Queue, prefix: string): Promise<string | undefined> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const holder = new Worker(queue.name, null, { connection, prefix, lockDuration: 300, autorun: false });
  try {
    const taken = await holder.getNextJob('dying-holder');
    if (!taken?.id) return undefined;
    const checker = new Worker(queue.name, null, {
      connection,
      prefix,
      maxStalledCount: 0,
      stalledInterval: 200,
      autorun: false,
    });
    await checker.startStalledCheckTimer();
    await waitFor('the job marked to fail', async () => (await queue.getJob(taken.id!))?.deferredFailure);
    await checker.close();
    return taken.id;
  } finally {
    await holder.close(true);
    connection.disconnect();
  }
}
