import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cancelWake, wakeAt } from '../src/models/pace-wheel.ts';

test('the pace wheel wakes waiters in the order of their times, each once, never before its time', async () => {
  const now = performance.now();
  const woke: [string, number][] = [];
  const waits = [30, 5, 18, 5].map(
    (after, i) =>
      new Promise<void>((resolve) =>
        wakeAt(now + after, {
          wake: () => {
            woke.push([`${after}#${i}`, performance.now() - now]);
            resolve();
          },
        }),
      ),
  );
  await Promise.all(waits);
  assert.deepEqual(
    woke.map(([name]) => name),
    ['5#1', '5#3', '18#2', '30#0'],
  );
  for (const [name, at] of woke) assert.ok(at >= Number(name.split('#')[0]) - 1, `${name} woke at ${at} ms`);
});

test('a wait taken off the wheel never wakes, and the others still do', async () => {
  const now = performance.now();
  let cancelledWoke = false;
  const cancelled = {
    wake: () => {
      cancelledWoke = true;
    },
  };
  wakeAt(now + 10, cancelled);
  const kept = new Promise<void>((resolve) => wakeAt(now + 20, { wake: resolve }));
  cancelWake(now + 10, cancelled);
  await kept;
  assert.equal(cancelledWoke, false);
});
