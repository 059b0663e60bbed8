/**
 * Node path: when the client goes away, the app's `onClose` is called once and the reader stops
 * following the stream (the engine reports its connection closed), from the one `close` listener
 * the sink keeps on the response.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import type { EventDataMap } from '@tidewire/protocol';
import { MemoryStreamStore, StreamEngine } from '../src/index.ts';
import { writeSSE } from '../src/node/index.ts';

// Bounded: without the call the test fails instead of waiting forever.
test('Node path: a client that goes away calls onClose once; the reader is detached', {
  timeout: 20_000,
}, async () => {
  let open = 0;
  const engine = new StreamEngine<EventDataMap, null>({
    store: new MemoryStreamStore(),
    heartbeatMs: 0,
    observer: { onConnectionOpen: () => open++, onConnectionClose: () => open-- },
  });
  const stream = await engine.start({ meta: null });
  let closes = 0;
  let response: ServerResponse | undefined;
  const closedOnce = new Promise<void>((resolve) => {
    const server = createServer((_req, res) => {
      response = res;
      writeSSE(stream.reader(), res, {
        onClose: () => {
          closes++;
          server.close();
          resolve();
        },
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      const socket = connect(port, '127.0.0.1');
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      // Gone once the first event arrived.
      socket.once('data', () => socket.destroy());
    });
  });
  await closedOnce;
  assert.equal(response?.listenerCount('close'), 1, 'one close listener on the response: the sink');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closes, 1);
  assert.equal(open, 0, 'the reader stopped following the stream');
  stream.emit('progress', { id: 'p', pct: 1 });
  assert.equal(closes, 1, 'called once');
  await stream.end('stop', { tokens: 0 });
  await engine.close();
});
