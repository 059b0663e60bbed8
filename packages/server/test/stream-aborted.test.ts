/**
 * `whenAborted`: the one listener object a stream tells when its `signal` aborts (a cancel, a
 * failure, `interrupt`, an abandon), once, right after the signal's own listeners, and at once
 * when the signal has already aborted; a stream has one such listener, and a stream that ended
 * without an abort never calls it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../src/index.ts';
import { type JobMeta, jobEvents } from './job-fixtures.ts';

const meta: JobMeta = { user: 'ada' };

async function started() {
  const engine = createEngine({ events: jobEvents, heartbeatMs: 0 });
  return { engine, stream: await engine.start({ meta }) };
}

for (const [how, abort] of [
  ['cancel', (s) => void s.cancel()],
  ['fail', (s) => void s.fail('upstream_error', 'gone')],
  ['interrupt', (s) => s.interrupt(new Error('first token late'))],
  ['abandon', (s) => s.abandon()],
] as const satisfies readonly (readonly [
  string,
  (s: Awaited<ReturnType<typeof started>>['stream']) => void,
])[]) {
  test(`${how}: the abort listener is told once, after the signal aborted`, async () => {
    const { engine, stream } = await started();
    const seen: boolean[] = [];
    stream.whenAborted({ streamAborted: () => seen.push(stream.signal.aborted) });
    abort(stream);
    abort(stream);
    assert.deepEqual(seen, [true]);
    await engine.close();
  });
}

test('a listener added after the abort is told at once; a second one is refused', async () => {
  const { engine, stream } = await started();
  stream.interrupt(new Error('late'));
  let told = 0;
  stream.whenAborted({ streamAborted: () => told++ });
  assert.equal(told, 1);
  const { engine: second, stream: other } = await started();
  other.whenAborted({ streamAborted: () => {} });
  assert.throws(() => other.whenAborted({ streamAborted: () => {} }), /one abort listener/);
  await engine.close();
  await second.close();
});

test('a stream that ends without an abort never tells its listener', async () => {
  const { engine, stream } = await started();
  let told = 0;
  stream.whenAborted({ streamAborted: () => told++ });
  await stream.end('stop');
  await stream.cancel();
  assert.equal(told, 0);
  assert.equal(stream.signal.aborted, true, 'a cancel after the end still aborts the signal');
  await engine.close();
});
