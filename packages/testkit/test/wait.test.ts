import { waitFor } from '../src/wait.js';

// testkit's waitFor: polls until an answer, says what it waited for at the timeout, and (asked to)
// treats errors between polls as "not yet" and names the last one.

test('answers the first answer that is not undefined, null or false (0 is one)', async () => {
  let n = 0;
  expect(await waitFor('the third poll', () => (++n >= 3 ? n : false), { intervalMs: 1 })).toBe(3);
  expect(await waitFor('zero', () => 0)).toBe(0);
});

test('an error of the check is thrown at once unless ignoreErrors', async () => {
  await expect(
    waitFor('never', () => Promise.reject(new Error('boom')), { timeoutMs: 5_000 }),
  ).rejects.toThrow('boom');
  let n = 0;
  const v = await waitFor(
    'a check that fails twice',
    () => {
      if (++n < 3) throw new Error('not up yet');
      return 'up';
    },
    { intervalMs: 1, ignoreErrors: true },
  );
  expect(v).toBe('up');
});

test('the timeout names what was awaited (a function is read then) and the last error', async () => {
  let seen = 0;
  await expect(
    waitFor(
      async () => `the answer (seen ${seen})`,
      () => {
        seen++;
        throw new Error('still down');
      },
      { timeoutMs: 30, intervalMs: 5, ignoreErrors: true },
    ),
  ).rejects.toThrow(
    /timed out after 30 ms waiting for the answer \(seen \d+\) \(last error: Error: still down\)/,
  );
  await expect(waitFor('nothing', () => null, { timeoutMs: 10, intervalMs: 5 })).rejects.toThrow(
    'timed out after 10 ms waiting for nothing',
  );
});
