/**
 * The thinking time the gateway sends at the end of the model's reasoning: from its first
 * reasoning part to the first part after it, once, on the clock it is given.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ThinkingTime } from '../src/thinking-time.ts';

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const reasoning = (text: string) => ({ type: 'reasoning', text }) as const;
const text = (t: string) => ({ type: 'text', text: t }) as const;

test('from the first reasoning part to the first part after it, sent once', () => {
  const clock = manualClock();
  const thinking = new ThinkingTime({ now: clock.now });
  assert.equal(thinking.before(reasoning('Let me ')), undefined);
  clock.advance(1200);
  assert.equal(thinking.before(reasoning('think.')), undefined);
  clock.advance(1300);
  assert.deepEqual(thinking.before(text('Hello')), { type: 'reasoning-end', thoughtMs: 2500 });
  clock.advance(500);
  assert.equal(
    thinking.before(reasoning('More thoughts after a tool.')),
    undefined,
    'the first reasoning only',
  );
  assert.equal(thinking.before(text('!')), undefined);
  assert.equal(thinking.end(), undefined);
});

test('an answer that is all reasoning ends it at its end', () => {
  const clock = manualClock();
  const thinking = new ThinkingTime({ now: clock.now });
  thinking.before(reasoning('Only thinking'));
  clock.advance(700);
  assert.deepEqual(thinking.end(), { type: 'reasoning-end', thoughtMs: 700 });
  assert.equal(thinking.end(), undefined, 'once');
});

test('no reasoning, no end; text before the reasoning does not end it', () => {
  const clock = manualClock();
  const thinking = new ThinkingTime({ now: clock.now });
  assert.equal(thinking.before(text('Straight to the answer')), undefined);
  assert.equal(thinking.before(reasoning('then a thought')), undefined);
  clock.advance(300);
  assert.deepEqual(thinking.before(text('.')), { type: 'reasoning-end', thoughtMs: 300 });
  assert.equal(new ThinkingTime().end(), undefined);
});

test('a takeover whose reader already has the end sends none', () => {
  const thinking = new ThinkingTime({ ended: true });
  assert.equal(thinking.before(reasoning('replayed')), undefined);
  assert.equal(thinking.before(text('rest')), undefined);
  assert.equal(thinking.end(), undefined);
});
