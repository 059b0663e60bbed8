/**
 * The SSE parser against the one it replaced (eventsource-parser behind the same BOM and
 * last-event-id handling): any text of SSE lines, fields, comments, line ends, NULLs and
 * BOMs, cut anywhere (inside a CRLF, inside a multi-byte character), gives the same events,
 * comments and retries. Also: what the parser reports of the lines it skips.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser as createReferenceParser } from 'eventsource-parser';
import fc from 'fast-check';
import { createParser } from '../src/index.ts';
import { cut } from './cut.ts';

interface Seen {
  events: unknown[];
  comments: string[];
  retries: number[];
}

/** The previous parser: eventsource-parser, one leading BOM removed here, its own BOM check spent. */
function referenceParse(chunks: Uint8Array[]): Seen {
  const seen: Seen = { events: [], comments: [], retries: [] };
  let lastEventId = '';
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let atStart = true;
  const lines = createReferenceParser({
    onId: (id) => {
      lastEventId = id;
    },
    onEvent: (m) => seen.events.push({ event: m.event ?? 'message', data: m.data, id: m.id, lastEventId }),
    onComment: (c) => seen.comments.push(c),
    onRetry: (r) => seen.retries.push(r),
  });
  lines.feed('\n');
  for (const chunk of chunks) {
    let text = decoder.decode(chunk, { stream: true });
    if (atStart && text !== '') {
      atStart = false;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    lines.feed(text);
  }
  return seen;
}

function parse(chunks: Uint8Array[]): Seen {
  const seen: Seen = { events: [], comments: [], retries: [] };
  const parser = createParser({
    onEvent: (e) => seen.events.push(e),
    onComment: (c) => seen.comments.push(c),
    onRetry: (r) => seen.retries.push(r),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return seen;
}

/** Pieces SSE text is made of, the awkward ones included. */
const piece = fc.constantFrom(
  'data',
  'data:',
  'data: ',
  'event:',
  'event: ',
  'id:',
  'id: ',
  'retry:',
  'retry: ',
  ':',
  ': ',
  ' ',
  'x',
  'é',
  '👩🏽‍💻',
  '12',
  's:3',
  '\0',
  '\uFEFF',
  'unknown:',
  '\n',
  '\r',
  '\r\n',
  '\n\n',
);

test('any SSE text, cut anywhere, parses as the previous parser parsed it', () => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 20 }), (pieces, cuts) => {
      const chunks = cut(new TextEncoder().encode(pieces.join('')), cuts);
      assert.deepEqual(parse(chunks), referenceParse(chunks));
    }),
    { numRuns: 2000 },
  );
});

test('a line the parser skips is reported with its reason, and parsing goes on', () => {
  const errors: [string, string | undefined][] = [];
  const data: string[] = [];
  const parser = createParser({
    onEvent: (e) => data.push(e.data),
    onError: (e) => errors.push([e.type, e.line]),
  });
  parser.feed('retry: soon\nlang: en\ndata: kept\n\n');
  assert.deepEqual(errors, [
    ['invalid-retry', 'retry: soon'],
    ['unknown-field', 'lang: en'],
  ]);
  assert.deepEqual(data, ['kept']);
});

test('a CR at the end of a chunk ends its line at once (the event is not held for the next chunk)', () => {
  const data: string[] = [];
  const parser = createParser({ onEvent: (e) => data.push(e.data) });
  parser.feed('data: now\r\r');
  assert.deepEqual(data, ['now']);
  parser.feed('\ndata: next\n\n');
  assert.deepEqual(data, ['now', 'next'], 'the LF after the CR ended no second line');
});
