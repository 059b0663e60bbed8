/** Byte counts for bounds: the native count and the loop agree with what an encoder writes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8Length, utf8LengthOf } from '../src/utf8.ts';

const SAMPLES = [
  '',
  'plain ASCII',
  'é, ß and ü',
  '中文回答',
  'مرحبا بالعالم',
  '😀 and 👩‍👩‍👧',
  'lone high \ud800 surrogate',
  'lone low \udc00 surrogate',
  'high at the end \ud83d',
  `${'x'.repeat(1000)}😀`,
];

test('the native count and the loop both count the bytes an encoder writes', () => {
  const encoder = new TextEncoder();
  for (const text of SAMPLES) {
    const bytes = encoder.encode(text).length;
    assert.equal(utf8Length(text), bytes, JSON.stringify(text));
    assert.equal(utf8LengthOf(text), bytes, JSON.stringify(text));
  }
});

test('a string counted again, or another of the same length, is counted right (the last count is remembered)', () => {
  const built = (text: string) => [...text].join(''); // equal content, another string
  const sequence = ['ab', 'aé', 'aé', built('aé'), 'ab', built('ab'), '😀', '😀'];
  assert.deepEqual(
    sequence.map((text) => utf8Length(text)),
    [2, 3, 3, 3, 2, 2, 4, 4],
  );
});
