import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeComment, encodeEvent, encodeFrame } from '../src/index.ts';

test('an event is written as id, event, data, blank line', () => {
  assert.equal(
    encodeEvent('delta', { text: 'Hi' }, 'abc:3'),
    'id: abc:3\nevent: delta\ndata: {"text":"Hi"}\n\n',
  );
});

test('the first event carries retry', () => {
  assert.equal(encodeEvent('hello', {}, 's:1', 1000), 'id: s:1\nevent: hello\nretry: 1000\ndata: {}\n\n');
});

test('data with line breaks becomes several data lines', () => {
  assert.equal(encodeFrame({ data: 'a\nb\r\nc\rd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
});

test('JSON data with newlines inside strings stays on one line', () => {
  assert.equal(encodeEvent('delta', { text: 'a\nb' }), 'event: delta\ndata: {"text":"a\\nb"}\n\n');
});

test('an id or event name with a line break is refused', () => {
  assert.throws(() => encodeFrame({ id: 'a\nb', data: '' }), /line break/);
  assert.throws(() => encodeFrame({ event: 'a\rb', data: '' }), /line break/);
  assert.throws(() => encodeFrame({ retry: -1, data: '' }), /retry/);
});

test('a comment is a colon line', () => {
  assert.equal(encodeComment('ok'), ': ok\n\n');
});
