import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser, type ParsedEvent } from '../src/index.ts';

function parse(chunks: (string | Uint8Array)[]) {
  const events: ParsedEvent[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (e) => events.push(e),
    onRetry: (r) => retries.push(r),
    onComment: (c) => comments.push(c),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return { events, retries, comments, parser };
}

const bytes = (s: string) => new TextEncoder().encode(s);

test('LF, CR and CRLF all end lines', () => {
  for (const eol of ['\n', '\r', '\r\n']) {
    const { events } = parse([`event: a${eol}data: 1${eol}${eol}data: 2${eol}${eol}`]);
    assert.deepEqual(
      events.map((e) => [e.event, e.data]),
      [
        ['a', '1'],
        ['message', '2'],
      ],
    );
  }
});

test('a CR and LF split across chunks count as one line break', () => {
  const { events } = parse(['data: 1\r', '\n\r', '\ndata: 2\r\n\r\n']);
  assert.deepEqual(
    events.map((e) => e.data),
    ['1', '2'],
  );
});

test('a leading BOM is skipped, as bytes or as a character', () => {
  assert.equal(parse([bytes('\uFEFFdata: x\n\n')]).events[0]?.data, 'x');
  assert.equal(parse(['\uFEFFdata: y\n\n']).events[0]?.data, 'y');
});

test('only ONE leading BOM is skipped: a second belongs to the first field name', () => {
  // WHATWG: the stream's first character, if U+FEFF, is removed once. The next line's
  // field name is then "\uFEFFdata", which is not a field: that line is ignored.
  const twice = '\uFEFF\uFEFFdata: x\ndata: y\n\n';
  assert.equal(parse([bytes(twice)]).events[0]?.data, 'y', 'as bytes');
  assert.equal(parse([twice]).events[0]?.data, 'y', 'as a string');
  const split = bytes(twice);
  assert.equal(parse([split.slice(0, 2), split.slice(2, 4), split.slice(4)]).events[0]?.data, 'y', 'split');
  // A BOM anywhere else is an ordinary character, and "ï»¿" (not a BOM) is kept.
  assert.equal(parse(['data: x', '\uFEFF\n\n']).events[0]?.data, 'x\uFEFF');
  assert.equal(parse(['\xEF\xBB\xBFdata: x\ndata: y\n\n']).events[0]?.data, 'y');
});

test('after reset a new stream may start with a BOM again', () => {
  const { parser, events } = parse(['\uFEFFdata: a\n\n']);
  parser.reset();
  parser.feed(bytes('\uFEFFdata: b\n\n'));
  assert.deepEqual(
    events.map((e) => e.data),
    ['a', 'b'],
  );
});

test('an event larger than maxBufferSize stops the parser with a typed error', () => {
  /** Feeds `chunks` to a parser bounded to 100 characters until it reports an error. */
  const overflow = (first: string, next: string) => {
    const errors: string[] = [];
    const events: string[] = [];
    const parser = createParser({
      maxBufferSize: 100,
      onEvent: (e) => events.push(e.data),
      onError: (e) => errors.push(e.type),
    });
    parser.feed(first);
    for (let i = 0; i < 10 && errors.length === 0; i++) parser.feed(next);
    return { errors, events, parser };
  };
  // Many data lines of one event that never ends.
  const lines = overflow(`data: ${'a'.repeat(90)}\n\n`, `data: ${'b'.repeat(30)}\n`);
  assert.deepEqual(lines.events, ['a'.repeat(90)], 'a whole event under the bound is dispatched');
  assert.deepEqual(lines.errors, ['max-buffer-size-exceeded']);
  assert.throws(() => lines.parser.feed('\n'), /max buffer size/, 'and it stays stopped');
  // One data line that never ends.
  const line = overflow('data: ', 'c'.repeat(30));
  assert.deepEqual([line.events, line.errors], [[], ['max-buffer-size-exceeded']]);
});

test('comments are reported and not dispatched', () => {
  const { events, comments } = parse([': keep-alive\n\ndata: z\n\n']);
  assert.deepEqual(comments, ['keep-alive']);
  assert.equal(events.length, 1);
});

test('retry takes digits only', () => {
  assert.deepEqual(parse(['retry: 1500\n\nretry: 15x\n\nretry: -1\n\n']).retries, [1500]);
});

test('an id containing NULL is ignored and the last id persists', () => {
  const { events } = parse(['id: s:1\ndata: a\n\nid: bad\0id\ndata: b\n\ndata: c\n\n']);
  assert.deepEqual(
    events.map((e) => e.lastEventId),
    ['s:1', 's:1', 's:1'],
  );
  assert.equal(events[1]?.id, undefined);
});

test('the last event without a blank line is not dispatched', () => {
  assert.equal(parse(['data: done\n\ndata: partial\n']).events.length, 1);
});

test('multi-line data is joined with LF', () => {
  assert.equal(parse(['data: a\ndata: b\n\n']).events[0]?.data, 'a\nb');
});

test('multi-byte characters split across byte chunks are reassembled', () => {
  const frame = bytes('data: مرحبا 👩🏽‍💻\n\n');
  const chunks = Array.from(frame, (b) => Uint8Array.of(b));
  assert.equal(parse(chunks).events[0]?.data, 'مرحبا 👩🏽‍💻');
});

test('invalid UTF-8 becomes U+FFFD', () => {
  assert.equal(
    parse([Uint8Array.of(...bytes('data: a'), 0xff, 0xfe, ...bytes('b\n\n'))]).events[0]?.data,
    'a\uFFFD\uFFFDb',
  );
});

test('reset forgets a partial line and the last event id', () => {
  const { parser, events } = parse(['id: s:9\ndata: x\n\ndata: part']);
  parser.reset();
  parser.feed('data: fresh\n\n');
  assert.deepEqual(
    events.map((e) => e.data),
    ['x', 'fresh'],
  );
  assert.equal(parser.lastEventId, '');
});

test('a function instead of options gets a teaching error', () => {
  assert.throws(() => createParser((() => {}) as never), /did you mean/);
});
