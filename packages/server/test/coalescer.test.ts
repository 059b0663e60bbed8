import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeltaCoalescer } from '../src/internal.ts';

function coalescer(maxWords = 6, maxHoldMs = 20) {
  const out: string[] = [];
  return { out, c: new DeltaCoalescer({ maxWords, maxHoldMs, emit: (t) => out.push(t) }) };
}

test('the first token goes out at once', () => {
  const { out, c } = coalescer();
  c.push('Hello');
  assert.deepEqual(out, ['Hello']);
});

test('later tokens are joined until about six words', () => {
  const { out, c } = coalescer();
  for (const t of ['a', ' b', ' c', ' d', ' e', ' f', ' g', ' h']) c.push(t);
  assert.deepEqual(out, ['a', ' b c d e f g']);
  c.flush();
  assert.deepEqual(out, ['a', ' b c d e f g', ' h']);
});

test('punctuation flushes at once', () => {
  const { out, c } = coalescer();
  for (const t of ['x', ' one', ' two.', ' three', ',', ' four؟']) c.push(t);
  assert.deepEqual(out, ['x', ' one two.', ' three,', ' four؟']);
});

test('no text is held longer than the hold bound', async () => {
  const { out, c } = coalescer(6, 10);
  c.push('a');
  c.push(' b');
  assert.deepEqual(out, ['a']);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(out, ['a', ' b']);
});
