/**
 * The parts column keeps an answer's text once: its text parts hold their length and are read
 * back from `content`, in order, around the other parts — emoji, Arabic and line ends intact —
 * and rows written before (text parts with their text) read as they were.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredPart } from '../src/answer-so-far.ts';
import { partsColumn, readParts } from '../src/conversations/message-parts.ts';

const parts: StoredPart[] = [
  { type: 'reasoning', text: 'Think 🤔 first.', thought_ms: 1200 },
  { type: 'text', text: 'مرحبا 👋🏽\n' },
  { type: 'tool_call', id: 'c1', name: 'weather', input: { city: 'Zürich' } },
  { type: 'tool_result', id: 'c1', name: 'weather', output: { c: 21 }, is_error: false },
  { type: 'text', text: 'It is 21 °C — 😀 done.' },
];
const content = 'مرحبا 👋🏽\nIt is 21 °C — 😀 done.';

test('text parts are stored by length and read back from content', () => {
  const column = partsColumn(parts)!;
  assert.doesNotMatch(column, /مرحبا|It is 21/, 'the answer text is not in the column');
  assert.match(column, /Think 🤔 first/, 'reasoning is not in content: it stays in the column');
  assert.deepEqual(readParts(column, content), parts);
});

test('a row written with its text parts whole reads as it was', () => {
  assert.deepEqual(readParts(JSON.stringify(parts), content), parts);
});

test('no parts: no column', () => {
  assert.equal(partsColumn([]), null);
  assert.equal(partsColumn(undefined), null);
  assert.equal(readParts(null, 'text'), undefined);
});
