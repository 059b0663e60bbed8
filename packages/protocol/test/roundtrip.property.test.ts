import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createParser, encodeFrame, type ParsedEvent } from '../src/index.ts';
import { cut } from './cut.ts';

/** Field values that survive SSE: no line breaks in id/event, no NULL in id. */
const singleLine = fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/[\r\n\0]/g, ''));
const frame = fc.record({
  id: fc.option(
    singleLine.filter((s) => s.trim() === s && s !== ''),
    { nil: undefined },
  ),
  event: fc.option(
    singleLine.filter((s) => s.trim() === s && s !== ''),
    { nil: undefined },
  ),
  data: fc.string({ unit: 'binary', maxLength: 80 }).map((s) => s.replace(/\r\n?/g, '\n')),
});

test('any events, encoded and cut into random chunks, parse back identical', () => {
  fc.assert(
    fc.property(fc.array(frame, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
      const wire = new TextEncoder().encode(frames.map((f) => encodeFrame(f)).join(''));
      const got: ParsedEvent[] = [];
      const parser = createParser({ onEvent: (e) => got.push(e) });
      for (const part of cut(wire, cuts)) parser.feed(part);
      let lastId = '';
      const expected = frames.map((f) => {
        if (f.id !== undefined) lastId = f.id;
        return { event: f.event ?? 'message', data: f.data, id: f.id, lastEventId: lastId };
      });
      assert.deepEqual(got, expected);
    }),
    { numRuns: 500 },
  );
});
