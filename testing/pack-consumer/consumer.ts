/**
 * A user's program, copied into a fresh project that installed the packed tarballs (see
 * testing/packaging.test.ts): the compiler checks it against the published `.d.ts` files, and
 * Node runs it against the published JavaScript. It imports every public entry point and uses
 * each for real: the store contract on the memory store, a stream written and read back, and
 * the client streaming an answer from the gateway started as a library.
 * @module
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveTypewriter, SSEConsumer } from '@tidewire/client';
import { loadConfig, startGateway } from '@tidewire/gateway';
import { createParser, encodeEvent, parseEventId } from '@tidewire/protocol';
import { createSSEResponse, MemoryStreamStore, StreamEngine } from '@tidewire/server';
import { Heartbeat } from '@tidewire/server/internal';
import { writeSSEResponse } from '@tidewire/server/node';
import { RedisStreamStore } from '@tidewire/server/redis';
import { RecordingSink, streamStoreContract } from '@tidewire/server/test';

streamStoreContract(async () => new MemoryStreamStore());

test('a stream written on the memory store reads back whole, as SSE', async () => {
  const engine = new StreamEngine({ store: new MemoryStreamStore(), heartbeatMs: 0 });
  const stream = await engine.start({ model: 'demo', conversationId: null, userId: null });
  stream.emit('start', { status: 'processing' });
  stream.delta('Hello, ');
  stream.delta('world.');
  await stream.end('stop', 2);
  const sink = new RecordingSink();
  engine.attach(stream.info, 0, sink);
  assert.ok(sink.ended);
  const events: { event: string; id: string | undefined; data: string }[] = [];
  createParser({ onEvent: (e) => events.push({ event: e.event ?? 'message', id: e.id, data: e.data }) }).feed(
    sink.text,
  );
  assert.equal(events.at(-1)?.event, 'done');
  assert.equal(parseEventId(events.at(-1)?.id ?? '')?.seq, stream.lastSeq);
  const text = events
    .filter((e) => e.event === 'delta')
    .map((e) => (JSON.parse(e.data) as { text: string }).text)
    .join('');
  assert.equal(text, 'Hello, world.');
  await engine.close();
});

test('every entry point exports what its documentation names', () => {
  assert.match(encodeEvent('ping', { ts: 1 }), /^event: ping\ndata: \{"ts":1\}\n\n$/);
  for (const value of [
    createSSEResponse,
    writeSSEResponse,
    RedisStreamStore.connect,
    Heartbeat,
    AdaptiveTypewriter,
  ])
    assert.equal(typeof value, 'function');
});

test('the client streams a whole answer from the gateway started as a library', async () => {
  const gateway = await startGateway(
    loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: 'sqlite::memory:',
      DEMO_TOKENS_PER_SEC: '0',
    }),
  );
  try {
    let answer = '';
    const consumer = new SSEConsumer(`${gateway.url}/api/v1/stream/chat`, {
      body: { q: 'Hello from a package' },
      onComplete: (fullText) => {
        answer = fullText;
      },
    });
    await consumer.connect();
    assert.equal(consumer.state, 'done');
    assert.ok(answer.length > 20, answer);
  } finally {
    await gateway.shutdown();
  }
});
