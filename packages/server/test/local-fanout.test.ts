/**
 * `LocalFanout` on its own (no Redis): frames stored out of order wait for the ones before them
 * (their map is made only then), a second reader joins the first (their set is made only
 * then), readers stop, and a lost stream's readers move elsewhere.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalFanout } from '../src/redis/local-fanout.ts';
import type { LogReader } from '../src/store.ts';

/** A reader that records what it is given. */
function recorder(): LogReader & { frames: string[]; lastSeqs: number[]; ended: number } {
  const r = {
    frames: [] as string[],
    lastSeqs: [] as number[],
    ended: 0,
    onFrames(frames: string[], lastSeq: number) {
      r.frames.push(...frames);
      r.lastSeqs.push(lastSeq);
    },
    onEnd() {
      r.ended++;
    },
    onError(error: Error) {
      assert.fail(error);
    },
  };
  return r;
}

describe('LocalFanout', () => {
  test('batches stored out of order reach the reader in order, and the end after them', () => {
    const fanout = new LocalFanout();
    fanout.writing('s', 0);
    const reader = recorder();
    assert.ok(fanout.follow('s', 0, reader));
    fanout.stored('s', 1, ['a']);
    fanout.stored('s', 4, ['d', 'e']); // early: 2 and 3 are not stored yet
    fanout.stored('s', 6, ['f']);
    fanout.ended('s'); // the end waits for the early frames
    assert.deepEqual(reader.frames, ['a']);
    assert.equal(reader.ended, 0);
    fanout.stored('s', 2, ['b', 'c']);
    assert.deepEqual(reader.frames, ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.equal(reader.lastSeqs.at(-1), 6);
    assert.equal(reader.ended, 1);
    assert.equal(fanout.writes('s'), false);
  });

  test('a batch partly handed over already gives only its new frames; one fully handed over, none', () => {
    const fanout = new LocalFanout();
    fanout.writing('s', 0);
    const reader = recorder();
    fanout.follow('s', 0, reader);
    fanout.stored('s', 1, ['a', 'b']);
    fanout.stored('s', 1, ['a', 'b']);
    fanout.stored('s', 2, ['b', 'c']);
    assert.deepEqual(reader.frames, ['a', 'b', 'c']);
  });

  test('a second and third reader join the first; each gets every frame once; a stopped one gets none', () => {
    const fanout = new LocalFanout();
    fanout.writing('s', 0);
    const first = recorder();
    const second = recorder();
    const third = recorder();
    const one = fanout.follow('s', 0, first)!;
    fanout.stored('s', 1, ['a']);
    // The second joins behind the newest frame: given it from the recent frames at once.
    const two = fanout.follow('s', 0, second)!;
    assert.deepEqual(second.frames, ['a']);
    fanout.follow('s', 1, third);
    fanout.stored('s', 2, ['b']);
    one.stop();
    fanout.stored('s', 3, ['c']);
    two.stop();
    two.stop(); // twice: nothing more
    fanout.stored('s', 4, ['d']);
    fanout.ended('s');
    assert.deepEqual(first.frames, ['a', 'b']);
    assert.deepEqual(second.frames, ['a', 'b', 'c']);
    assert.deepEqual(third.frames, ['b', 'c', 'd']);
    assert.deepEqual([first.ended, second.ended, third.ended], [0, 0, 1]);
  });

  test('the only reader stops: later frames go to nobody, and a new reader can still join', () => {
    const fanout = new LocalFanout();
    fanout.writing('s', 0);
    const first = recorder();
    fanout.follow('s', 0, first)!.stop();
    fanout.stored('s', 1, ['a']);
    const second = recorder();
    fanout.follow('s', 1, second);
    fanout.stored('s', 2, ['b']);
    assert.deepEqual(first.frames, []);
    assert.deepEqual(second.frames, ['b']);
  });

  test('a reader too far behind the recent frames, or of a stream not written here, is not followed here', () => {
    const fanout = new LocalFanout();
    assert.equal(fanout.follow('other', 0, recorder()), undefined);
    fanout.writing('s', 0);
    const frames = Array.from({ length: 200 }, (_, i) => `f${i + 1}`);
    fanout.stored('s', 1, frames);
    assert.equal(fanout.follow('s', 0, recorder()), undefined);
    const near = recorder();
    assert.ok(fanout.follow('s', 190, near));
    assert.deepEqual(near.frames, frames.slice(190));
  });

  test('a lost stream hands its readers over where each stood; stopping one then stops it elsewhere', () => {
    const fanout = new LocalFanout();
    fanout.writing('s', 0);
    const first = recorder();
    const second = recorder();
    const one = fanout.follow('s', 0, first)!;
    fanout.stored('s', 1, ['a']);
    fanout.follow('s', 1, second);
    fanout.stored('s', 2, ['b']);
    const lost = fanout.lost('s');
    assert.deepEqual(
      lost.map((f) => [f.reader, f.lastSeq]),
      [
        [first, 2],
        [second, 2],
      ],
    );
    assert.equal(fanout.writes('s'), false);
    let stoppedElsewhere = 0;
    one.moved(() => stoppedElsewhere++);
    fanout.stored('s', 3, ['c']); // not written here any more: nobody gets it from here
    one.stop();
    one.stop();
    assert.equal(stoppedElsewhere, 1);
    assert.deepEqual(first.frames, ['a', 'b']);
  });
});
