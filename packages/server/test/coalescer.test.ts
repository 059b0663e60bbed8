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

test('text held after a flush leaves by its own hold bound (the timer is aimed a millisecond early), not before', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { out, c } = coalescer(3, 50);
  c.push('a');
  c.push(' b'); // held at 0: the timer is armed for 50 ms
  t.mock.timers.tick(20);
  c.push(' c d.'); // punctuation: flushed at 20, the timer stays armed
  assert.deepEqual(out, ['a', ' b c d.']);
  t.mock.timers.tick(10);
  c.push(' e'); // held at 30: must leave by 80
  t.mock.timers.tick(20); // the timer fires at 49: too early for ' e', it waits the rest
  assert.deepEqual(out, ['a', ' b c d.']);
  t.mock.timers.tick(28);
  assert.deepEqual(out, ['a', ' b c d.']);
  t.mock.timers.tick(1); // 79: a millisecond before the bound, as a late timer would reach it
  assert.deepEqual(out, ['a', ' b c d.', ' e']);
  c.push(' f');
  t.mock.timers.tick(50);
  assert.deepEqual(out, ['a', ' b c d.', ' e', ' f']);
  c.dispose();
});

test('a disposed coalescer drops its text and never emits again', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { out, c } = coalescer(6, 10);
  c.push('a');
  c.push(' b');
  c.dispose();
  t.mock.timers.tick(100);
  assert.deepEqual(out, ['a']);
});

test('on a runtime whose timers are numbers (workers, edge), the hold bound holds too', (t) => {
  // A scheduler like an edge runtime's: setTimeout returns a number, with no refresh().
  const due = new Map<number, { at: number; run: () => void }>();
  let now = 0;
  let next = 1;
  t.mock.method(globalThis, 'setTimeout', ((run: () => void, ms: number) => {
    due.set(next, { at: now + ms, run });
    return next++;
  }) as unknown as typeof setTimeout);
  t.mock.method(globalThis, 'clearTimeout', ((id: number) =>
    due.delete(id)) as unknown as typeof clearTimeout);
  t.mock.method(Date, 'now', () => now);
  const advance = (ms: number) => {
    for (const end = now + ms; now < end; ) {
      now++;
      for (const [id, timer] of [...due]) if (timer.at <= now && due.delete(id)) timer.run();
    }
  };
  const { out, c } = coalescer(6, 30);
  c.push('a');
  c.push(' b');
  advance(30);
  assert.deepEqual(out, ['a', ' b']);
  c.push(' c'); // held again after the timer fired: armed anew
  advance(28);
  assert.deepEqual(out, ['a', ' b']);
  advance(1); // a millisecond before the bound
  assert.deepEqual(out, ['a', ' b', ' c']);
  c.dispose();
});

test('at a steady pace, held text leaves with the piece after which the next would come too late for the bound, not by the timer', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { out, c } = coalescer(6, 30); // the timer is aimed at 29 ms
  const at: number[] = [];
  const emitted = () => at.push(Date.now());
  const pace = (ms: number, piece: string) => {
    t.mock.timers.tick(ms);
    const before = out.length;
    c.push(piece);
    if (out.length > before) emitted();
  };
  pace(0, 'a'); // the first piece: at once
  pace(25, ' b'); // held at 25
  assert.deepEqual(out, ['a']);
  pace(25, ' c'); // at 50: held 25 ms, and the next, 25 ms on, would find it held 50: it leaves now
  assert.deepEqual(out, ['a', ' b c']);
  pace(25, ' d'); // held at 75
  t.mock.timers.tick(4); // 79: ' d' is held (its timer aims at 104)
  assert.deepEqual(out, ['a', ' b c']);
  pace(21, ' e'); // 100
  assert.deepEqual(out, ['a', ' b c', ' d e']);
  assert.deepEqual(at, [0, 50, 100], 'on the model’s beat: every second piece, 50 ms apart');
  c.dispose();
});

test('pieces that come quickly are still held together up to the bound (the pace does not shorten it)', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { out, c } = coalescer(20, 30);
  c.push('a');
  for (let i = 0; i < 5; i++) {
    t.mock.timers.tick(4);
    c.push(` w${i}`); // held from 4, a piece every 4 ms: the next always comes in time
  }
  assert.deepEqual(out, ['a']);
  t.mock.timers.tick(12); // 32: the timer (armed at 4 for 29 ms, aimed at 33) has not fired yet
  assert.deepEqual(out, ['a']);
  t.mock.timers.tick(1); // 33
  assert.deepEqual(out, ['a', ' w0 w1 w2 w3 w4']);
  c.dispose();
});

test('the longest hold is measured: what text waited, by punctuation, the pace, the timer or a flush', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { out, c } = coalescer(6, 30);
  c.push('a'); // at once: held for nothing
  assert.equal(c.longestHold, 0);
  c.push(' b'); // held at 0
  t.mock.timers.tick(12);
  c.push(' c.'); // punctuation at 12
  assert.equal(c.longestHold, 12);
  c.push(' d'); // held at 12
  t.mock.timers.tick(29); // the timer, aimed a millisecond early, takes it out at 41
  assert.deepEqual(out, ['a', ' b c.', ' d']);
  assert.equal(c.longestHold, 29);
  c.push(' e'); // held at 41
  t.mock.timers.tick(5);
  c.flush(); // the stream ended: 5 ms, not longer than before
  assert.equal(c.longestHold, 29);
  c.dispose();
});
