import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeStreamEvent, formatEventId, parseEventId, parseSeq } from '../src/index.ts';

test('STREAM_ID:SEQ round-trips', () => {
  assert.deepEqual(parseEventId(formatEventId('0196-ab_c', 42)), { streamId: '0196-ab_c', seq: 42 });
});

test('malformed event ids are refused', () => {
  for (const bad of [
    '',
    'abc',
    ':5',
    'abc:',
    'abc:-1',
    'abc:1.5',
    'abc:01',
    'a b:1',
    'abc:99999999999999999',
    'abc:1e3',
  ]) {
    assert.equal(parseEventId(bad), undefined, bad);
  }
});

test('seq is a non-negative decimal integer', () => {
  assert.equal(parseSeq('0'), 0);
  assert.equal(parseSeq('17'), 17);
  for (const bad of ['', '-1', 'x', '1x', ' 1', '0x10']) assert.equal(parseSeq(bad), undefined, bad);
});

test('decoding checks data against the event schema', () => {
  const ok = decodeStreamEvent({ event: 'delta', data: '{"text":"hi"}', id: 's:3', lastEventId: 's:3' });
  assert.deepEqual(ok, { ok: true, event: { event: 'delta', data: { text: 'hi' }, streamId: 's', seq: 3 } });
  assert.equal(
    decodeStreamEvent({ event: 'delta', data: '{"text":1}', id: undefined, lastEventId: '' }).ok,
    false,
  );
  assert.equal(
    decodeStreamEvent({ event: 'delta', data: 'not json', id: undefined, lastEventId: '' }).ok,
    false,
  );
  assert.equal(decodeStreamEvent({ event: 'nope', data: '{}', id: undefined, lastEventId: '' }).ok, false);
});
