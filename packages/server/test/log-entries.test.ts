/**
 * The layout of a Redis log's entries (`log-entries.ts`): the arguments that store frames as one
 * entry, and the frames read back from entries, from any point.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entriesAfter, entryArgs, type RawEntry } from '../src/redis/log-entries.ts';

/** The entry Redis would hold for `frames` stored from `firstSeq` by writer `w` (as the scripts store it). */
function stored(firstSeq: number, frames: string[]): RawEntry {
  const [count, lengths, text] = entryArgs(frames);
  const last = firstSeq + Number(count) - 1;
  return count === '1'
    ? [`0-${last}`, ['f', text, 'w', 'w']]
    : [`0-${last}`, ['p', text, 'l', lengths, 'w', 'w']];
}

test('one frame is stored as it is; several joined, with their lengths', () => {
  assert.deepEqual(entryArgs(['a']), ['1', '', 'a']);
  assert.deepEqual(entryArgs(['ab', '', 'é👍']), ['3', '2,0,3', 'abé👍']);
});

test('entries read back as one frame each, with its sequence number, from any point', () => {
  const raw = [stored(1, ['h']), stored(2, ['ab', '', 'é👍']), ['0-5', ['end', '1', 'w', 'w']] as RawEntry];
  const all = [
    { seq: 1, frame: 'h', end: false },
    { seq: 2, frame: 'ab', end: false },
    { seq: 3, frame: '', end: false },
    { seq: 4, frame: 'é👍', end: false },
    { seq: 5, frame: '', end: true },
  ];
  for (let after = 0; after <= 5; after++) assert.deepEqual(entriesAfter(raw, after), all.slice(after));
});

test('an entry whose lengths do not add up to its text is an error naming the entry, not frames made up', () => {
  assert.throws(() => entriesAfter([['0-3', ['p', 'abc', 'l', '1,1', 'w', 'w']]], 0), {
    message: 'log entry 0-3: frames of 2 units in 3',
  });
});
