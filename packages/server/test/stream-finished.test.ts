/**
 * A stream's end, told two ways: `finished` settles once the stream has ended and its last
 * event is in the store (asked before or after), and a `whenFinished` listener is called once
 * then, or at once when the stream has already finished; a stream has one such listener. An
 * abandoned stream (another owner continues it) has finished too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../src/index.ts';
import { type JobMeta, jobEvents } from './job-fixtures.ts';

const meta: JobMeta = { user: 'ada' };

test('whenFinished is called once, as the stream finishes; finished asked after settles too', async () => {
  const engine = createEngine({ events: jobEvents, heartbeatMs: 0 });
  const stream = await engine.start({ meta });
  let calls = 0;
  let endedInStore: Promise<boolean | undefined> | undefined;
  stream.whenFinished({
    streamFinished: () => {
      calls++;
      endedInStore = engine.position(stream.id).then((tail) => tail?.ended);
    },
  });
  assert.equal(calls, 0);
  await stream.end('stop');
  assert.equal(calls, 1);
  assert.equal(await endedInStore, true, 'its last event was in the store');
  await stream.finished;
  await stream.end('stop');
  assert.equal(calls, 1, 'once');
  await engine.close();
});

test('finished asked before the end settles at the end; a listener added after is called at once', async () => {
  const engine = createEngine({ events: jobEvents, heartbeatMs: 0 });
  const stream = await engine.start({ meta });
  let settled = false;
  const finished = stream.finished.then(() => {
    settled = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false);
  await stream.fail('upstream_error', 'gone');
  await finished;
  assert.equal(settled, true);
  let calls = 0;
  stream.whenFinished({ streamFinished: () => calls++ });
  assert.equal(calls, 1);
  await engine.close();
});

test('an abandoned stream has finished; a second listener is refused', async () => {
  const engine = createEngine({ events: jobEvents, heartbeatMs: 0 });
  const stream = await engine.start({ meta });
  let calls = 0;
  stream.whenFinished({ streamFinished: () => calls++ });
  assert.throws(() => stream.whenFinished({ streamFinished: () => {} }), /one finish listener/);
  stream.abandon();
  assert.equal(calls, 1);
  await stream.finished;
  await engine.close();
});
