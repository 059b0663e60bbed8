/**
 * A request's and a stream's log lines are the lines a pino child with their bindings writes
 * (bindings first, then the line's fields), an error keeps its message and stack, and nothing
 * is written at a level the root does not write.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { lazyChild } from '../src/logging/lazy-child.ts';

function collectingLogger(level: string) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { root: pino({ level, base: undefined, timestamp: false }, sink), lines };
}

test('a line carries the bindings first, then its own fields, like a pino child', async () => {
  const { root, lines } = collectingLogger('info');
  const child = lazyChild(root, { req: 'r1' }).child({ stream: 's1' });
  child.info({ model: 'demo' }, 'stream started');
  root.child({ req: 'r1' }).child({ stream: 's1' }).info({ model: 'demo' }, 'stream started');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.length, 2);
  assert.equal(lines[0], lines[1]);
  assert.deepEqual(Object.keys(JSON.parse(lines[0]!)), ['level', 'req', 'stream', 'model', 'msg']);
});

test('an error given as the fields keeps its message and stack', async () => {
  const { root, lines } = collectingLogger('info');
  lazyChild(root, { req: 'r2' }).error(new Error('the disk is full') as unknown as object);
  await new Promise((resolve) => setImmediate(resolve));
  const line = JSON.parse(lines[0]!);
  assert.equal(line.req, 'r2');
  assert.equal(line.msg, 'the disk is full');
  assert.equal(line.err.message, 'the disk is full');
  assert.match(line.err.stack, /Error: the disk is full/);
});

test('nothing is written at a level the root does not write', async () => {
  const { root, lines } = collectingLogger('warn');
  const log = lazyChild(root, { req: 'r3' });
  log.info({ a: 1 }, 'quiet');
  log.warn({ a: 2 }, 'loud');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).msg),
    ['loud'],
  );
});
