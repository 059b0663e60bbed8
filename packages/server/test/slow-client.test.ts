/**
 * A reader that stops reading is never buffered without bound: past `maxUnsentBytes` its
 * connection is closed (it can resume), and the generation goes on.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import type { EventDataMap } from '@tidewire/protocol';
import { MemoryStreamStore, type Stream, StreamEngine, sseResponse } from '../src/index.ts';
import { writeSSE } from '../src/node/index.ts';

const init = { meta: null };
const NOTE = 'n'.repeat(1000);

/** Emits up to `count` 1 KB events, yielding now and then, until `stop()` says so. */
async function produce(stream: Stream<EventDataMap, null>, count: number, stop = () => false) {
  for (let i = 0; i < count && !stop(); i++) {
    stream.emit('progress', { id: 'p', pct: i, note: NOTE });
    if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
}

test('Node path: a client that stops reading is disconnected, the stream runs to its end', async () => {
  let slow = 0;
  const engine = new StreamEngine<EventDataMap, null>({
    store: new MemoryStreamStore(),
    heartbeatMs: 0,
    maxLogBytes: 200 * 1024 * 1024,
  });
  const stream = await engine.start(init);
  const server = createServer((_req, res) =>
    writeSSE(stream.reader(), res, { maxUnsentBytes: 256 * 1024, onSlowClient: () => slow++ }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\n`);
  socket.pause();
  const closed = once(socket, 'close');
  await produce(stream, 60_000, () => slow > 0);
  assert.equal(slow, 1, 'the slow client was disconnected');
  socket.resume();
  await closed;
  await stream.end('stop', { tokens: 0 });
  assert.ok(stream.lastSeq > 1000, 'the generation went on');
  server.close();
  await engine.close();
});

test('Web path: a reader that never reads errors its body past the bound, the stream goes on', async () => {
  let slow = 0;
  const engine = new StreamEngine<EventDataMap, null>({
    store: new MemoryStreamStore(),
    heartbeatMs: 0,
    maxLogBytes: 50 * 1024 * 1024,
  });
  const stream = await engine.start(init);
  const response = sseResponse(stream.reader(), {
    maxUnsentBytes: 64 * 1024,
    onSlowClient: () => slow++,
  });
  await produce(stream, 2000);
  await stream.end('stop', { tokens: 0 });
  assert.equal(slow, 1);
  await assert.rejects(response.text(), /slow client/);
  assert.equal(stream.lastSeq, 2002);
  await engine.close();
});
