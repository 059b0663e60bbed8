/**
 * How the WebSocket route turns the engine's SSE frames into messages: one message per event
 * with the frame's stream id, sequence number, name and data JSON as it was; pings dropped
 * where the socket pings at the protocol level (Node), kept as messages where it cannot
 * (workerd); frames without an id (a store failure's) keep no `seq`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeEvent, encodeFrame } from '@tidewire/protocol';
import { framesToMessages } from '../src/websocket/frames.ts';

test('each event becomes one message with its id split into stream_id and seq, data as sent', () => {
  const text =
    encodeEvent('hello', { ts: 1, stream_id: 's-1' }, 's-1:1', 1000) +
    encodeEvent('delta', { text: 'مرحبًا 👩🏽‍💻 "quoted"\n' }, 's-1:2') +
    encodeEvent('ping', { ts: 2 }) +
    encodeEvent('done', { reason: 'stop', tokens: 1 }, 's-1:3');
  const messages = framesToMessages(text, 's-1');
  assert.deepEqual(
    messages.map((m) => JSON.parse(m)),
    [
      { stream_id: 's-1', seq: 1, event: 'hello', data: { ts: 1, stream_id: 's-1' } },
      { stream_id: 's-1', seq: 2, event: 'delta', data: { text: 'مرحبًا 👩🏽‍💻 "quoted"\n' } },
      { stream_id: 's-1', seq: 3, event: 'done', data: { reason: 'stop', tokens: 1 } },
    ],
  );
});

test('frames without an id keep no seq; data over several lines is joined', () => {
  const text =
    encodeEvent('error', { type: 'service_unavailable', message: 'down' }) +
    encodeFrame({ event: 'done', data: '{"reason":\n"error"}' });
  const messages = framesToMessages(text, 's');
  assert.deepEqual(
    messages.map((m) => JSON.parse(m)),
    [
      { stream_id: 's', event: 'error', data: { type: 'service_unavailable', message: 'down' } },
      { stream_id: 's', event: 'done', data: { reason: 'error' } },
    ],
  );
});

test('heartbeats alone make no message', () => {
  assert.deepEqual(framesToMessages(encodeEvent('ping', { ts: 5 }), 's'), []);
});

test('where the socket cannot ping (workerd), heartbeats are ping messages without seq', () => {
  const text = encodeEvent('delta', { text: 'a' }, 's:4') + encodeEvent('ping', { ts: 5 });
  assert.deepEqual(
    framesToMessages(text, 's', { pings: true }).map((m) => JSON.parse(m)),
    [
      { stream_id: 's', seq: 4, event: 'delta', data: { text: 'a' } },
      { stream_id: 's', event: 'ping', data: { ts: 5 } },
    ],
  );
});
