/**
 * Log lines reach the destination in batches: held until about the batch size, then handed
 * over joined, in order; a flush hands over what is held (and nothing when nothing is), and
 * pino's `logger.flush(cb)` is answered once the destination has written them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { LineBatch } from '../src/logging/line-batch.ts';

function recorder() {
  const writes: string[] = [];
  return { writes, write: (text: string) => writes.push(text) };
}

test('lines are held until the batch is full, then handed over joined, in order', () => {
  const to = recorder();
  const batch = new LineBatch(to, 10);
  batch.write('abc\n');
  batch.write('def\n');
  assert.deepEqual(to.writes, [], 'held: 8 of 10');
  batch.write('ghi\n');
  assert.deepEqual(to.writes, ['abc\ndef\nghi\n']);
  batch.write('jkl\n');
  batch.flush();
  batch.flush();
  assert.deepEqual(to.writes, ['abc\ndef\nghi\n', 'jkl\n'], 'a flush hands over what is held, once');
});

test("pino's lines go through the batch, and logger.flush(cb) is answered after the destination's flush", async () => {
  const to = recorder();
  let destinationFlushes = 0;
  const batch = new LineBatch(
    {
      write: to.write,
      flush: (done) => {
        destinationFlushes++;
        done();
      },
    },
    4096,
  );
  const logger = pino({ base: undefined, timestamp: false }, batch);
  logger.info({ n: 1 }, 'first');
  logger.info({ n: 2 }, 'second');
  assert.deepEqual(to.writes, []);
  await new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
  assert.equal(destinationFlushes, 1);
  assert.deepEqual(
    to.writes
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).msg),
    ['first', 'second'],
  );
});
