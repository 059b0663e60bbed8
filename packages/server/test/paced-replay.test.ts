/**
 * A long log is replayed at the pace of its reader: a 3 MB answer resumed from its first
 * event by a fast reader arrives whole, on the Node path and the Web path, although it is
 * three times the unsent-byte bound (it used to go out in one write and trip the bound at
 * once). A reader that does not read is still closed: its unsent bytes stay over the bound
 * with no progress from one heartbeat to the next.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';
import type { EventDataMap } from '@tidewire/protocol';
import { MemoryStreamStore, StreamEngine, sseResponse } from '../src/index.ts';
import { writeSSE } from '../src/node/index.ts';

const MiB = 1024 * 1024;
const NOTE = 'n'.repeat(1000);

/** A finished stream of about `bytes` bytes of 1 KB `progress` events. */
async function longStream(bytes: number, heartbeatMs = 0) {
  const engine = new StreamEngine<EventDataMap, null>({
    store: new MemoryStreamStore(),
    heartbeatMs,
    maxLogBytes: 64 * MiB,
  });
  const stream = await engine.start({ meta: null });
  for (let i = 0; i * 1050 < bytes; i++) stream.emit('progress', { id: 'p', pct: i % 100, note: NOTE });
  await stream.end('stop', { tokens: 0 });
  return { engine, stream };
}

test('Node path: a 3 MB stream resumed from its first event by a fast reader arrives whole', async () => {
  const { engine, stream } = await longStream(3 * MiB);
  let slow = 0;
  const server = createServer((_req, res) =>
    writeSSE(engine.reader(stream.info, 1), res, { maxUnsentBytes: MiB, onSlowClient: () => slow++ }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  assert.equal(slow, 0);
  assert.ok(text.length > 3 * MiB);
  assert.ok(
    text.endsWith(`id: ${stream.id}:${stream.lastSeq}\nevent: done\ndata: {"reason":"stop","tokens":0}\n\n`),
  );
  assert.equal(text.split('event: progress').length - 1, stream.lastSeq - 2);
  server.close();
  await engine.close();
});

test('Web path: a 3 MB stream resumed from its first event by a fast reader arrives whole', async () => {
  const { engine, stream } = await longStream(3 * MiB);
  let slow = 0;
  const response = sseResponse(engine.reader(stream.info, 1), {
    maxUnsentBytes: MiB,
    onSlowClient: () => slow++,
  });
  const text = await response.text();
  assert.equal(slow, 0);
  assert.equal(text.split('event: progress').length - 1, stream.lastSeq - 2);
  assert.ok(text.endsWith('data: {"reason":"stop","tokens":0}\n\n'));
  await engine.close();
});

test('a reader that does not read is closed after two heartbeats without progress', async () => {
  // The Web path, whose body is never read: nothing (no socket buffer) takes the bytes.
  const { engine, stream } = await longStream(3 * MiB, 30);
  let slow = 0;
  const response = sseResponse(engine.reader(stream.info, 1), {
    maxUnsentBytes: 256 * 1024,
    onSlowClient: () => slow++,
  });
  for (let i = 0; i < 500 && slow === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(slow, 1, 'the reader that does not read was closed');
  await assert.rejects(response.text(), /slow client/);
  await engine.close();
});
