/**
 * AdaptiveTypewriter on a fake clock: whole graphemes only, slower at sentence ends, a bound
 * on the lag behind the stream, flush, and reduced motion.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveTypewriter, type TypewriterOptions } from '../src/index.ts';

/** A typewriter driven by a fake 16 ms frame clock. */
function typewriter(options: Partial<TypewriterOptions> = {}) {
  let now = 0;
  let frame: ((t: number) => void) | undefined;
  const renders: string[] = [];
  const tw = new AdaptiveTypewriter({
    reducedMotion: false,
    requestFrame: (cb) => {
      frame = cb;
    },
    now: () => now,
    onRender: (_shown, appended) => renders.push(appended),
    ...options,
  });
  const tick = (frames = 1) => {
    for (let i = 0; i < frames; i++) {
      now += 16;
      const f = frame;
      frame = undefined;
      f?.(now);
    }
  };
  return { tw, renders, tick, advance: (ms: number) => tick(Math.ceil(ms / 16)), time: () => now };
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (s: string) => Array.from(segmenter.segment(s), (x) => x.segment);

test('never splits a grapheme: emoji sequences, flags, Arabic with marks', () => {
  const text = 'مَرْحَبًا 👩🏽‍💻 🇯🇵 e\u0301 👨‍👩‍👧‍👦 done';
  const { tw, renders, tick } = typewriter();
  // Deliver the text split inside every grapheme cluster it has.
  for (const unit of text) tw.push(unit);
  tick(400);
  tw.flush();
  const whole = new Set(graphemes(text));
  for (const piece of renders)
    for (const g of graphemes(piece)) assert.ok(whole.has(g), `split grapheme ${JSON.stringify(g)}`);
  assert.equal(renders.join(''), text);
});

test('a grapheme split across two pushes is shown whole', () => {
  const { tw, renders, tick } = typewriter();
  tw.push('a👩🏽');
  tick(1);
  tw.push('\u200d💻b');
  tick(50);
  tw.flush();
  assert.ok(
    renders.every((r) => !r.endsWith('👩🏽')),
    JSON.stringify(renders),
  );
  assert.equal(renders.join(''), 'a👩🏽‍💻b');
});

test('slower after a sentence end than inside a sentence', () => {
  const timeAfter = (char: string) => {
    const { tw, tick, renders } = typewriter({ baseDelayMs: 16, maxLagMs: 100_000 });
    tw.push(`a${char}bcd`);
    let frames = 0;
    while (!renders.join('').includes('b') && frames < 100) {
      tick();
      frames++;
    }
    return frames;
  };
  assert.ok(timeAfter('.') > timeAfter('x') + 2, `${timeAfter('.')} vs ${timeAfter('x')}`);
  assert.ok(timeAfter(',') > timeAfter('x'));
});

test('the lag behind a fast stream stays under maxLagMs', () => {
  const { tw, tick, time } = typewriter({ baseDelayMs: 40, maxLagMs: 1500 });
  const pushedAt: number[] = [];
  let received = '';
  let worst = 0;
  // 2,000 characters per second for 3 seconds: far faster than 40 ms per character.
  for (let ms = 0; ms < 3000; ms += 16) {
    const chunk = 'word, '.repeat(6).slice(0, 32);
    for (let i = 0; i < chunk.length; i++) pushedAt.push(time());
    received += chunk;
    tw.push(chunk);
    tick();
    const shown = tw.shown.length;
    if (shown < received.length) worst = Math.max(worst, time() - pushedAt[shown]!);
  }
  assert.ok(worst <= 1500, `lagged ${worst} ms`);
});

test('flush shows everything at once', () => {
  const { tw } = typewriter();
  tw.push('Hello, world. More text here.');
  tw.flush();
  assert.equal(tw.shown, 'Hello, world. More text here.');
  assert.equal(tw.pending, '');
});

test('reduced motion shows text as it arrives', () => {
  const { tw, renders } = typewriter({ reducedMotion: true });
  tw.push('now');
  assert.deepEqual(renders, ['now']);
});

test('speeds up as its queue grows, before any text is overdue', () => {
  const short = typewriter({ baseDelayMs: 12, maxLagMs: 1500 });
  short.tw.push('abcdefghij');
  short.tick();
  const long = typewriter({ baseDelayMs: 12, maxLagMs: 1500 });
  long.tw.push('x'.repeat(2000));
  long.tick();
  const shortStep = short.tw.shown.length;
  const longStep = long.tw.shown.length;
  assert.ok(shortStep <= 2, `short queue: ${shortStep} per frame`);
  assert.ok(longStep >= 10 * shortStep, `long queue: ${longStep} per frame, short: ${shortStep}`);
});

test('reset forgets the text; dispose stops rendering', () => {
  const { tw, tick, renders } = typewriter();
  tw.push('first answer');
  tick(2);
  tw.reset();
  assert.equal(tw.shown, '');
  assert.equal(tw.pending, '');
  tw.push('second');
  tw.flush();
  assert.equal(tw.shown, 'second');
  tw.dispose();
  const before = renders.length;
  tw.push('more');
  tick(10);
  tw.flush();
  assert.equal(renders.length, before);
  assert.equal(tw.shown, 'second');
});

test('prefers-reduced-motion (matchMedia) shows text at once', () => {
  const g = globalThis as { matchMedia?: (q: string) => { matches: boolean } };
  const queries: string[] = [];
  g.matchMedia = (query) => {
    queries.push(query);
    return { matches: query === '(prefers-reduced-motion: reduce)' };
  };
  try {
    const renders: string[] = [];
    const tw = new AdaptiveTypewriter({ onRender: (shown) => renders.push(shown), requestFrame: () => {} });
    tw.push('no animation');
    assert.deepEqual(renders, ['no animation']);
    assert.deepEqual(queries, ['(prefers-reduced-motion: reduce)']);
  } finally {
    delete g.matchMedia;
  }
});

test('without requestAnimationFrame (Node) it types on a timer', async () => {
  const tw = new AdaptiveTypewriter({ onRender: () => {}, baseDelayMs: 1 });
  tw.push('typed by timers');
  for (let i = 0; i < 200 && tw.pending !== ''; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(tw.shown, 'typed by timers');
});

test('append is push (the design guide names it so)', () => {
  const { tw, tick } = typewriter();
  tw.append('guide ');
  tw.push('form');
  tick(200);
  assert.equal(tw.shown, 'guide form');
});

test('neither an element nor options with onRender: a clear error at once', () => {
  // document.getElementById returns null for a missing id: the guide's form must say so.
  const make = (target: unknown) => () => new AdaptiveTypewriter(target as TypewriterOptions);
  assert.throws(make(null), {
    name: 'TypeError',
    message: /takes an element, or options with onRender; got null/,
  });
  assert.throws(make({ baseDelayMs: 5 }), /got object/);
  assert.throws(make('#answer'), /got string/);
  assert.throws(make({ nodeType: 3, append() {} }), /got object/, 'a text node is not an element');
});
