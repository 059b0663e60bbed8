/**
 * `PendingWork`: a shutdown waits for every tracked generation to settle (fulfilled or
 * rejected, or one begun that calls its end), and no longer than its bound when one is stuck.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingWork } from '../src/pending-work.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('settle resolves once every tracked work has settled, a failed one too', async () => {
  const work = new PendingWork();
  const a = deferred();
  const b = deferred();
  work.track(a.promise);
  work.track(b.promise);
  assert.equal(work.size, 2);
  let settled = false;
  const settling = work.settle(60_000).then(() => {
    settled = true;
  });
  a.resolve();
  await a.promise;
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'one work still runs');
  assert.equal(work.size, 1);
  b.reject(new Error('the model failed'));
  await settling;
  assert.equal(work.size, 0);
});

test('settle with nothing running resolves at once; a stuck work does not hold it past its bound', async () => {
  const work = new PendingWork();
  await work.settle(60_000);
  work.track(new Promise(() => {}));
  await work.settle(5);
  assert.equal(work.size, 1);
});

test('a work begun counts until it calls the function begin gave it', async () => {
  const work = new PendingWork();
  const end = work.begin();
  assert.equal(work.size, 1);
  let settled = false;
  const settling = work.settle(60_000).then(() => {
    settled = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'the work still runs');
  end();
  await settling;
  assert.equal(work.size, 0);
});
